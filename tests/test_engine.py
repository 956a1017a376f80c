"""The evaluator fires exactly what durable-rules' own Host fires for the catalog's plain ruleset, though it
runs the compact form of it, through one session."""

import ctypes
import json
import random
from typing import Any

import durable_rules_engine
import pytest
from durable import engine

from pladvisor.domain.fields import profile_fields, profile_from_answers
from pladvisor.engine.catalog import Catalog, default_rules_dir, load_catalog
from pladvisor.engine.encoding import Encoding
from pladvisor.engine.evaluator import (
    ANCHOR_FIELD,
    ANCHOR_RULE,
    RuleEvaluator,
    compact_definition,
    engine_fact,
    ruleset_definition,
)

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


def varied_facts(count: int) -> list[dict[str, Any]]:
    """Random profiles, then the edges: nothing answered, and every list answered "none of these"."""
    rng = random.Random(11)
    profiles = [profile_from_answers(random_answers(rng)) for _ in range(count)]
    lists: dict[str, Any] = {path: [] for path, info in profile_fields().items() if info.kind == "choices"}
    profiles += [profile_from_answers({}), profile_from_answers(lists)]
    return [profile.model_dump(exclude_none=True, exclude={"school_id", "name"}) for profile in profiles]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(default_rules_dir())


@pytest.fixture(scope="module")
def facts() -> list[dict[str, Any]]:
    return varied_facts(1500)


@pytest.fixture(scope="module")
def reference(catalog: Catalog, facts: list[dict[str, Any]]) -> list[list[str]]:
    return host_fired(catalog, facts)


def test_evaluator_matches_durable_rules_host_on_varied_profiles(
    catalog: Catalog, facts: list[dict[str, Any]], reference: list[list[str]]
) -> None:
    evaluator = RuleEvaluator(catalog)
    assert [evaluator.fired(fact) for fact in facts] == reference
    # The engine form, as the advisor passes it; and each fact again, though an identical one came before.
    assert [evaluator.fired_as_asserted(engine_fact(fact)) for fact in facts] == reference
    assert sum(len(f) for f in reference) / len(reference) > 5, "profiles should fire a fair number of rules"
    assert [] in reference, "some profile should fire nothing"


@pytest.mark.parametrize("failing", ["assert_fact", "complete_and_start_action"])
def test_evaluator_recovers_from_an_engine_failure(
    catalog: Catalog,
    facts: list[dict[str, Any]],
    reference: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    # A fact refused at once (by a fresh evaluator: no session yet), or one whose firings stop midway: the
    # engine's own error reaches the caller, and nothing of that fact reaches the next, in the same session.
    evaluator = RuleEvaluator(catalog)
    call = getattr(durable_rules_engine, failing)

    def fail_once(*arguments: Any) -> Any:
        monkeypatch.setattr(durable_rules_engine, failing, call)
        raise durable_rules_engine.error("the engine failed")

    monkeypatch.setattr(durable_rules_engine, failing, fail_once)
    busy = max(range(len(facts)), key=lambda index: len(reference[index]))
    with pytest.raises(durable_rules_engine.error, match="the engine failed"):
        evaluator.fired(facts[busy])
    assert [evaluator.fired(fact) for fact in facts[:300]] == reference[:300]


def test_compact_encoding_gives_each_choice_its_own_code() -> None:
    encoding = Encoding(profile_fields())
    for path, info in profile_fields().items():
        if info.kind in ("choice", "choices"):
            area, _, name = path.partition(".")
            written = {
                encoding.members({area: {name: [option] if info.kind == "choices" else option}})
                for option in info.options
            }
            assert len(written) == len(info.options), path


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"buy_in.approach": "by_decree"}, "'by_decree' is not a choice of buy_in.approach"),
        ({"$lt": {"buy_in.approach": "voluntary"}}, "buy_in.approach is a choice: its answers have no order"),
        ({"buy_in.mood": True}, "'buy_in.mood', which is not a profile field"),
    ],
)
def test_compact_encoding_refuses_a_condition_it_cannot_keep_the_meaning_of(
    condition: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Encoding(profile_fields()).condition(condition)


def test_the_compact_ruleset_is_created_whatever_the_freed_memory_held(catalog: Catalog) -> None:
    # durable-rules reads a type it never set on the node it makes for an $or inside an item test; once that
    # memory held the byte of "identifier" (9) or "expression" (12), creating the ruleset failed with code 102.
    # Memory freed with those bytes in it is what the engine gets next.
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    rules = json.dumps(compact_definition(catalog, Encoding(profile_fields())))
    rng = random.Random(5)
    for attempt in range(200):
        blocks = []
        for _ in range(100):
            size = rng.choice([64, 256, 1024, 4096, 16384, 65536])
            block = libc.malloc(size)
            ctypes.memset(block, (9, 12)[attempt % 2], size)
            blocks.append(block)
        for block in blocks:
            libc.free(block)
        handle = durable_rules_engine.create_ruleset(f"freed-memory-{attempt}", rules)
        durable_rules_engine.delete_ruleset(handle)
