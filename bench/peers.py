"""Peer rule engines on pladvisor's catalog, for the record: what a user choosing another engine would get.

`make bench` judges pladvisor against its own floors (durable-rules called bare, plain Python); this module
adds rows it does not judge: the same catalog and the same schools run by two engines a user might pick
instead, each used as it is normally used, with its CPU time per school and the number of schools where
it fired a different set of rules from ``RuleEvaluator.fired`` (0, or the comparison means nothing).

"As normally used" means the engine's own documented way to evaluate a set of rules against one input,
built once and then evaluated once per school, with no tuning beyond that:

* GoRules **zen-engine** (PyPI ``zen-engine``, Rust with Python bindings): a JSON decision model (JDM)
  graph ``inputNode -> decisionTableNode -> outputNode`` handed to a ``ZenEngine`` by its static loader
  and evaluated per school with ``engine.evaluate(key, context)``. The table has one row per catalog
  rule, the condition as its one input cell and the rule id as its output, hit policy ``collect``; what
  fired is the ids it returns. Recorded too: the same graph with an ``expressionNode`` (one boolean
  output per rule id); zen's "core" expression language alone, the whole catalog as one compiled list
  expression (``compile_expression``), which skips the graph; and the decision table evaluated through
  ``engine.create_decision(content).evaluate(context)``, the bindings' other documented way, which is
  several times slower: its ``evaluate`` builds a new tokio runtime on every call (bindings source,
  ``src/decision.rs``; on 2.1.3, two new threads per call on a 2-core machine), where
  ``ZenEngine.evaluate`` shares one runtime and the static loader's content is compiled once, when the
  engine is made.
* **json-rules-engine** 7.3.1 (npm, node): one ``Engine`` holding one ``Rule`` per catalog rule, facts
  flat (one fact per dotted path, ``"buy_in.approach"``), ``engine.run(facts)`` per school, and what fired
  is the type of each event the run returns. It runs in node, in a subprocess
  (``bench/peers/json_rules_engine.js``) that measures itself with ``process.cpuUsage()``: Python's
  clock cannot see inside it, and the pipe between them is not the engine's cost.

Every peer is given each school already in its own form (the engine form: an answered-but-empty list
as ``["none"]``; flat for json-rules-engine), prepared outside the timed loop, as ``bench/rule_engine.py`` does
for the bare durable-rules cycles; pladvisor's own row pays for its conversion, as it does in service.

How each of them is given the catalog, and the semantics that needed care, are in ``bench/peer_rules.py``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plain_rules
from common import Figure, Scale, say
from peer_rules import json_rules, zen_decision_table, zen_expression, zen_expression_graph

from pladvisor.advice.answers import answers_of
from pladvisor.domain.fields import profile_fields
from pladvisor.domain.profile import SchoolProfile
from pladvisor.engine.catalog import Catalog
from pladvisor.engine.evaluator import RuleEvaluator, engine_fact

PEERS = Path(__file__).resolve().parent / "peers"
NODE_SCRIPT = PEERS / "json_rules_engine.js"
JSON_RULES_ENGINE = "json-rules-engine 7.3.1"
WARM_UP = 200
"""Schools each engine evaluates before anything is timed."""


@dataclass(frozen=True)
class PeerResult:
    """One row of the peer table: an engine, its CPU time per school, and how often it disagreed."""

    name: str
    us_per_school: float | None
    """Least CPU microseconds per school over the rounds; None when the engine was not measured."""
    mismatches: int | None
    """Schools whose fired set differs from RuleEvaluator.fired's; None when the engine was not measured."""
    schools: int
    note: str
    """How the engine was run, or why it was not."""
    first_difference: str | None = None
    """The first mismatching school: its index, the ids only the engine fired and those only pladvisor fired."""


# --- measuring ---------------------------------------------------------------------------------------------------

Fired = list[frozenset[str]]


@dataclass(frozen=True)
class _InProcess:
    """An engine run in this process: each school prepared in its form beforehand, then fired one by one."""

    name: str
    note: str
    inputs: Sequence[Any]
    fire: Callable[[Any], Iterable[str]]

    def run(self, inputs: Sequence[Any]) -> Fired:
        return [frozenset(self.fire(school)) for school in inputs]


def _compare(name: str, note: str, us: float | None, fired: Fired, reference: Fired) -> PeerResult:
    """The row for ``fired`` against the reference, with the first difference spelled out for debugging."""
    if len(fired) != len(reference):
        raise RuntimeError(f"{name} reported {len(fired)} schools of {len(reference)}")
    differing = [index for index, (ids, wanted) in enumerate(zip(fired, reference, strict=True)) if ids != wanted]
    first = None
    if differing:
        index = differing[0]
        first = (
            f"school {index}: fired here only {sorted(fired[index] - reference[index])}, "
            f"by RuleEvaluator only {sorted(reference[index] - fired[index])}"
        )
    return PeerResult(name, us, len(differing), len(reference), note, first)


def _zen_engines(catalog: Catalog, contexts: Sequence[dict[str, Any]]) -> list[_InProcess] | str:
    """The zen-engine variants, or why they cannot run."""
    try:
        import zen
    except ImportError:
        return "zen-engine not installed (pip install -e '.[bench]')"
    table, expressions = zen_decision_table(catalog), zen_expression_graph(catalog)
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"table": table, "expressions": expressions}}})
    created = engine.create_decision(json.dumps(table))
    ids = [c.rule.id for c in catalog.rules]
    whole = zen.compile_expression("[" + ", ".join(zen_expression(c.rule.when) for c in catalog.rules) + "]")

    def table_fired(context: dict[str, Any]) -> list[str]:
        return [row["rule"] for row in engine.evaluate("table", context)["result"]]

    def graph_fired(context: dict[str, Any]) -> list[str]:
        return [rule for rule, hit in engine.evaluate("expressions", context)["result"].items() if hit]

    def core_fired(context: dict[str, Any]) -> list[str]:
        return [rule for rule, hit in zip(ids, whole.evaluate(context), strict=True) if hit]

    def created_fired(context: dict[str, Any]) -> list[str]:
        return [row["rule"] for row in created.evaluate(context)["result"]]

    return [
        _InProcess(
            "zen-engine: decision table",
            "JDM graph input -> decisionTableNode (collect, a row per rule) -> output; engine.evaluate per school",
            contexts,
            table_fired,
        ),
        _InProcess(
            "zen-engine: expression node",
            "JDM graph input -> expressionNode (a boolean per rule id) -> output; engine.evaluate per school",
            contexts,
            graph_fired,
        ),
        _InProcess(
            "zen-engine: core expression",
            "the whole catalog as one compiled list expression, no graph (record only)",
            contexts,
            core_fired,
        ),
        _InProcess(
            "zen-engine: created decision",
            "the decision table through create_decision(...).evaluate: a new tokio runtime per call (record only)",
            contexts,
            created_fired,
        ),
    ]


def _json_rules_engine(catalog: Catalog, facts: Sequence[dict[str, Any]], rounds: int) -> tuple[float, Fired] | str:
    """json-rules-engine in node over the same schools: its least CPU µs per school and what fired, or why not."""
    node = shutil.which("node")
    if node is None:
        return "node not found"
    if not (PEERS / "node_modules" / "json-rules-engine").is_dir():
        return f"{JSON_RULES_ENGINE} not installed (npm ci --prefix bench/peers)"
    schools = [answers_of(engine_fact(fact)) for fact in facts]
    request = {
        "rules": json_rules(catalog),
        "paths": list(profile_fields()),
        "schools": schools,
        "warmUp": WARM_UP,
        "rounds": rounds,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="pladvisor-peers-", encoding="utf-8") as file:
        json.dump(request, file)
        file.flush()
        done = subprocess.run([node, str(NODE_SCRIPT), file.name], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{JSON_RULES_ENGINE} failed (exit {done.returncode}):\n{done.stderr.strip()}")
    answer = json.loads(done.stdout)
    return float(answer["us_per_school"]), [frozenset(ids) for ids in answer["fired"]]


def peers(catalog: Catalog, facts: Sequence[dict[str, Any]], rounds: int = 3) -> list[PeerResult]:
    """Every row of the peer table, measured in this one run: pladvisor's ``RuleEvaluator.fired`` (the
    reference every other row is checked against), plain Python (``bench/plain_rules.py``), the zen-engine
    variants and json-rules-engine.

    ``facts`` are profile dumps without unanswered fields, as ``Advisor.assess`` builds them. Each time is
    the least CPU time of ``rounds`` rounds over all of them, after a warm-up; the in-process engines take
    their rounds in turn, so that a change in the machine affects them alike. An engine that cannot run here
    gets a row that says why; one that errors raises, since that is a bug in its translation.
    """
    if rounds < 1 or not facts:
        raise ValueError("peers needs at least one round and one school")
    evaluator = RuleEvaluator(catalog)
    contexts = [engine_fact(fact) for fact in facts]
    engines = [
        _InProcess(
            "pladvisor: RuleEvaluator.fired",
            "durable-rules 2.0.28, compact form through one session; the reference",
            facts,
            evaluator.fired,
        ),
        _InProcess(
            "plain Python",
            "bench/plain_rules.py, a tree-walking interpreter of the same conditions",
            [answers_of(fact) for fact in facts],
            lambda answers: plain_rules.fired(catalog, answers),
        ),
        _InProcess(
            "plain Python, generated",
            "the whole catalog as one generated Python function (plain_rules.compiled): the floor",
            [answers_of(fact) for fact in facts],
            plain_rules.compiled(catalog),
        ),
    ]
    zen_engines = _zen_engines(catalog, contexts)
    if isinstance(zen_engines, list):
        engines += zen_engines

    for engine in engines:
        engine.run(engine.inputs[:WARM_UP])
    cpu = dict.fromkeys((engine.name for engine in engines), float("inf"))
    fired: dict[str, Fired] = {}
    for _ in range(rounds):
        for engine in engines:
            start = time.process_time()
            fired[engine.name] = engine.run(engine.inputs)
            cpu[engine.name] = min(cpu[engine.name], time.process_time() - start)

    reference = fired[engines[0].name]
    per_school = 1e6 / len(facts)
    results = [_compare(e.name, e.note, cpu[e.name] * per_school, fired[e.name], reference) for e in engines]
    if isinstance(zen_engines, str):
        results.append(PeerResult("zen-engine", None, None, len(facts), f"not measured: {zen_engines}"))
    node = _json_rules_engine(catalog, facts, rounds)
    name = f"{JSON_RULES_ENGINE} (node)"
    if isinstance(node, str):
        results.append(PeerResult(name, None, None, len(facts), f"not measured: {node}"))
    else:
        note = "a Rule per catalog rule, flat facts, engine.run per school; CPU measured inside node"
        results.append(_compare(name, note, node[0], node[1], reference))
    return results


def peer_table(results: Sequence[PeerResult]) -> str:
    """The rows as a plain-text table, with the first difference under any row that has one."""
    cells = [["engine", "µs/school", "mismatches", "how"]]
    for row in results:
        us = "-" if row.us_per_school is None else f"{row.us_per_school:,.1f}"
        mismatches = "-" if row.mismatches is None else f"{row.mismatches} of {row.schools:,}"
        cells.append([row.name, us, mismatches, row.note])
    widths = [max(len(row[i]) for row in cells) for i in range(3)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)), row[3]]) for row in cells]
    lines.insert(1, "-" * max(len(line) for line in lines))
    lines += [f"  {row.name}: {row.first_difference}" for row in results if row.first_difference]
    return "\n".join(lines)


def peer_figures(catalog: Catalog, raws: Sequence[dict[str, Any]], scale: Scale) -> tuple[list[Figure], str]:
    """The peer table as figures, for the record; the one target is that every engine fired the same."""
    facts = [
        SchoolProfile.model_validate(raw, strict=True).model_dump(exclude_none=True, exclude={"school_id", "name"})
        for raw in raws
    ]
    results = peers(catalog, facts, scale.engine_rounds)
    text = peer_table(results)
    for line in text.splitlines():
        say(f"  {line}")
    measured = [row for row in results if row.mismatches is not None]
    wrong = sum(row.mismatches or 0 for row in measured)
    ours = results[0].us_per_school or 0.0
    figures = [
        Figure(
            f"9 peer: {row.name}",
            "not measured" if row.us_per_school is None else f"{row.us_per_school:,.0f} µs/school",
            f"{ours:,.0f} µs RuleEvaluator.fired",
            "-" if row.us_per_school is None else f"{row.us_per_school / ours:.2f}x",
            "-",
            None,
        )
        for row in results[1:]
    ]
    figures.append(
        Figure(
            "9 peers fire the same rules",
            f"{wrong} mismatches",
            f"{len(measured)} engines x {len(facts):,} schools",
            "-",
            "0",
            wrong == 0,
        )
    )
    return figures, text
