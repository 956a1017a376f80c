"""The evaluator fires exactly what durable-rules' own Host fires for the same compiled ruleset."""

import random
from typing import Any

from durable import engine

from pladvisor.domain.fields import profile_from_answers
from pladvisor.engine.catalog import Catalog, default_rules_dir, load_catalog
from pladvisor.engine.evaluator import ANCHOR_FIELD, ANCHOR_RULE, RuleEvaluator, engine_fact, ruleset_definition

from .test_concurrency import random_answers


class QuietHost(engine.Host):  # type: ignore[misc]  # durable-rules ships no type information
    """durable-rules' public Host, without its timer threads (this test makes every call itself)."""

    def _run(self) -> None:
        return None


def host_fired(catalog: Catalog, facts: list[dict[str, Any]]) -> list[list[str]]:
    fired: list[str] = []
    definition = ruleset_definition(catalog)

    def recorder(name: str) -> Any:
        # durable-rules treats a two-argument action as asynchronous, so the name is bound here, not as a default.
        return lambda _closure: fired.append(name)

    for name, rule in definition.items():
        rule["run"] = recorder(name)
    host = QuietHost()
    host.set_rulesets({"reference": definition})
    results = []
    for i, fact in enumerate(facts):
        fired.clear()
        try:
            host.assert_fact("reference", {**engine_fact(fact), "sid": f"r{i}", ANCHOR_FIELD: 1})
        finally:
            host.delete_state("reference", f"r{i}")
        results.append([name for name in dict.fromkeys(fired) if name != ANCHOR_RULE])
    return results


def test_evaluator_matches_durable_rules_host_on_varied_profiles() -> None:
    catalog = load_catalog(default_rules_dir())
    rng = random.Random(11)
    facts = [
        profile_from_answers(random_answers(rng)).model_dump(exclude_none=True, exclude={"school_id", "name"})
        for _ in range(1500)
    ]
    evaluator = RuleEvaluator(catalog)
    ours = [evaluator.fired(fact) for fact in facts]
    assert ours == host_fired(catalog, facts)
    assert sum(len(f) for f in ours) / len(ours) > 5, "profiles should fire a fair number of rules"
