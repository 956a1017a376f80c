"""Section 2: RuleEvaluator.fired against bare cycles through durable-rules, zen-engine's decision table when
it is installed, and plain Python."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from typing import Any

import durable_rules_engine
import plain_rules
from common import Figure, Scale, say, timed
from durable import engine
from peer_rules import zen_decision_table

from pladvisor.advice.answers import answers_of
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.catalog import Catalog
from pladvisor.engine.evaluator import ANCHOR_FIELD, ANCHOR_RULE, RuleEvaluator, engine_fact, ruleset_definition


class _QuietHost(engine.Host):  # type: ignore[misc]  # durable-rules ships no type information
    """durable-rules' public Host without its timer threads, which this benchmark never needs."""

    def _run(self) -> None:
        return None


class HostCycle:
    """The least work durable-rules' public Host needs per school on the same ruleset: assert, collect, delete."""

    def __init__(self, catalog: Catalog) -> None:
        self.fired: list[str] = []
        self._sessions = itertools.count()
        definition = ruleset_definition(catalog)
        for name, rule in definition.items():
            rule["run"] = self._action(name)
        self._host = _QuietHost()
        self._host.set_rulesets({"bench-host": definition})

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        return lambda _closure: self.fired.append(rule_id)

    def run(self, fact: dict[str, Any]) -> None:
        sid = str(next(self._sessions))
        self._host.assert_fact("bench-host", {**fact, "sid": sid, ANCHOR_FIELD: 1})
        self._host.delete_state("bench-host", sid)


class EngineCycle:
    """The same, made straight against the engine's own interface on the plain ruleset: what RuleEvaluator
    was before it took the compact form and one session (``pladvisor.engine.evaluator``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.fired: list[str] = []
        self._sessions = itertools.count()
        self._handle = durable_rules_engine.create_ruleset("bench-engine", json.dumps(ruleset_definition(catalog)))

    def run(self, fact: dict[str, Any]) -> None:
        sid = str(next(self._sessions))
        _, state = durable_rules_engine.assert_fact(self._handle, json.dumps({**fact, "sid": sid, ANCHOR_FIELD: 1}))
        started = durable_rules_engine.start_action_for_state(self._handle, state)
        message = started[1] if started else None
        while message:
            self.fired.append(message[2 : message.index('"', 2)])
            message = durable_rules_engine.complete_and_start_action(self._handle, state)
        durable_rules_engine.delete_state(self._handle, sid)


def engine_figures(catalog: Catalog, raws: Sequence[dict[str, Any]], scale: Scale) -> list[Figure]:
    """RuleEvaluator.fired against bare durable-rules cycles, zen-engine's decision table (the peer
    table's, ``bench/peers.py``) and plain Python.

    Facts are built as Advisor.assess builds them. The bare cycles and zen get them already in
    engine form, so the ratios charge pladvisor with everything it adds: its lock, the compact
    encoding, the error handling and the de-duplication. Each measure is the least CPU time of a
    few rounds, taken in turn so that a change in the machine affects all of them alike.
    """
    facts = [
        SchoolProfile.model_validate(raw, strict=True).model_dump(exclude_none=True, exclude={"school_id", "name"})
        for raw in raws
    ]
    engine_facts = [engine_fact(fact) for fact in facts]
    answers = [answers_of(fact) for fact in facts]
    evaluator, host, bare = RuleEvaluator(catalog), HostCycle(catalog), EngineCycle(catalog)
    fired: dict[str, list[set[str]]] = {"pladvisor": [], "host": [], "engine": [], "plain": []}
    zen_table = zen_decision_table_fired(catalog)

    def pladvisor_round() -> None:
        fired["pladvisor"] = [set(evaluator.fired(fact)) for fact in facts]

    def cycle_round(name: str, cycle: HostCycle | EngineCycle) -> Callable[[], None]:
        def work() -> None:
            fired[name] = []
            for fact in engine_facts:
                cycle.fired = []
                cycle.run(fact)
                fired[name].append(set(cycle.fired) - {ANCHOR_RULE})

        return work

    def plain_round() -> None:
        fired["plain"] = [set(plain_rules.fired(catalog, school)) for school in answers]

    rounds = {
        "pladvisor": pladvisor_round,
        "host": cycle_round("host", host),
        "engine": cycle_round("engine", bare),
        "plain": plain_round,
    }
    if zen_table is not None:
        table = zen_table

        def zen_round() -> None:
            fired["zen"] = [set(table(fact)) for fact in engine_facts]

        fired["zen"] = []
        rounds["zen"] = zen_round
        for prepared in engine_facts[:200]:
            table(prepared)
    for fact, prepared in zip(facts[:200], engine_facts[:200], strict=True):
        evaluator.fired(fact)
        host.run(prepared)
        bare.run(prepared)
    cpu = dict.fromkeys(rounds, float("inf"))
    for _ in range(scale.engine_rounds):
        for name, work in rounds.items():
            cpu[name] = min(cpu[name], timed(work).cpu)

    for index, found in enumerate(zip(*fired.values(), strict=True)):
        if any(ids != found[0] for ids in found):
            detail = ", ".join(f"{name} {sorted(ids)}" for name, ids in zip(fired, found, strict=True))
            raise AssertionError(f"school {index} fired differently: {detail}")
    n = len(facts)
    mean_fired = sum(map(len, fired["pladvisor"])) / n
    us = {name: 1e6 * seconds / n for name, seconds in cpu.items()}
    say(
        f"  {n:,} facts, least CPU time of {scale.engine_rounds} round(s); {len(catalog.rules)} rules in the catalog, "
        f"{mean_fired:.1f} fired per school on average (plus the anchor rule)"
    )
    for name, label in (
        ("pladvisor", "RuleEvaluator.fired"),
        ("host", "bare cycle through durable-rules' Host (assert with sid + anchor, collect in the actions, delete)"),
        ("engine", "bare cycle through durable_rules_engine on the plain ruleset (a session per fact, as the Host)"),
        ("plain", "plain Python interpreter of the same conditions (bench/plain_rules.py)"),
    ):
        say(f"  {label}: {n / cpu[name]:,.0f}/s per core ({us[name]:.0f} µs each)")
    if zen_table is None:
        say("  zen-engine: not measured, not installed (pip install -e '.[bench]')")
    else:
        say(
            f"  zen-engine decision table, as in the peer table: {n / cpu['zen']:,.0f}/s per core "
            f"({us['zen']:.0f} µs each)"
        )
    say(f"  checked: all {len(rounds)} fire the same rule ids for each of the {n:,} schools")
    return [
        Figure(
            "2 engine: RuleEvaluator.fired",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['host']:.0f} µs bare Host cycle",
            f"{cpu['pladvisor'] / cpu['host']:.2f}x",
            "<= 1.25x",
            cpu["pladvisor"] <= 1.25 * cpu["host"],
        ),
        Figure(
            "2 engine vs bare engine calls (record)",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['engine']:.0f} µs durable_rules_engine",
            f"{cpu['pladvisor'] / cpu['engine']:.2f}x",
            "-",
            None,
        ),
        Figure(
            "2 engine vs plain Python (record)",
            f"{us['pladvisor']:.0f} µs/school",
            f"{us['plain']:.0f} µs plain Python",
            f"{cpu['pladvisor'] / cpu['plain']:.1f}x",
            "-",
            None,
        ),
        Figure(
            "2 engine vs zen-engine decision table",
            f"{us['pladvisor']:.0f} µs/school",
            "not measured" if zen_table is None else f"{us['zen']:.0f} µs zen-engine",
            "-" if zen_table is None else f"{cpu['pladvisor'] / cpu['zen']:.2f}x",
            "< 1x",
            None if zen_table is None else cpu["pladvisor"] < cpu["zen"],
        ),
        Figure("2 rules fired per school (record)", f"{mean_fired:.1f} mean", "-", "-", "-", None),
    ]


def zen_decision_table_fired(catalog: Catalog) -> Callable[[dict[str, Any]], list[str]] | None:
    """zen-engine's decision table for the catalog, evaluated as the peer table evaluates it; None without zen."""
    try:
        import zen
    except ImportError:
        return None
    decisions = zen.ZenEngine({"loader": {"type": "static", "content": {"table": zen_decision_table(catalog)}}})

    def table_fired(context: dict[str, Any]) -> list[str]:
        return [row["rule"] for row in decisions.evaluate("table", context)["result"]]

    return table_fired
