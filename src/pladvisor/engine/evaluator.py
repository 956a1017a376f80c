"""Running the catalog's conditions in durable-rules.

Facts of durable-rules 2.0.28 that shape this module:

* The engine is not thread-safe, so every call goes through one lock, and the host's
  background timer threads (which call into the engine unsynchronised) are never started:
  this ruleset uses neither timers nor queued actions.
* A ruleset holds at most 1,024 live sessions, so each evaluation asserts one fact
  under a fresh session id and always deletes that session afterwards.
* Deleting a session whose fact matched no rule crashes the process, so the compiled
  ruleset carries one internal rule that matches every fact; it also makes "nothing to
  report" an ordinary result rather than ``MessageNotHandledException``.
* ``$iall`` is false on an empty list, so an answered-but-empty list ("none of these")
  is asserted as ``["none"]``: "all items differ from X" then holds, and rules can
  also say ``{$iany: {path: {$i: none}}}``.
* A rule whose ``$or`` matches in several branches fires once per branch; ids are
  reported once each.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from durable import engine

from pladvisor.domain.fields import NONE_ITEM

from .catalog import Catalog

ANCHOR_FIELD = "pladvisor_fact"
ANCHOR_RULE = "pladvisor-anchor"
_names = itertools.count()


class _Host(engine.Host):
    """A durable-rules host without its timer threads (see the module docstring)."""

    def _run(self) -> None:
        return None


def _engine_fact(fact: dict[str, Any]) -> dict[str, Any]:
    return {
        area: {name: (value or [NONE_ITEM]) if isinstance(value, list) else value for name, value in section.items()}
        for area, section in fact.items()
    }


def compile_ruleset(catalog: Catalog, action: Callable[[str], Callable[[Any], None]]) -> dict[str, Any]:
    """The durable-rules definition of the catalog: one rule per catalog rule, plus the anchor.

    ``action(rule_id)`` makes the callback durable-rules runs when that rule fires.
    """
    definition: dict[str, Any] = {
        ANCHOR_RULE: {"all": [{"m": {ANCHOR_FIELD: 1}}], "pri": 0, "run": action(ANCHOR_RULE)}
    }
    for index, compiled in enumerate(catalog.rules, start=1):
        definition[compiled.rule.id] = {"all": [{"m": compiled.rule.when}], "pri": index, "run": action(compiled.rule.id)}
    return definition


class RuleEvaluator:
    """One compiled ruleset in one durable-rules host, safe to share between threads."""

    def __init__(self, catalog: Catalog) -> None:
        self._name = f"pladvisor{next(_names)}"
        self._lock = threading.Lock()
        self._fired: list[str] = []
        self._sessions = itertools.count()
        self._host = _Host()
        self._host.set_rulesets({self._name: compile_ruleset(catalog, self._recorder)})

    def _recorder(self, rule_id: str) -> Callable[[Any], None]:
        def record(_closure: Any) -> None:
            self._fired.append(rule_id)

        return record

    def fired(self, fact: dict[str, Any]) -> list[str]:
        """Ids of every catalog rule whose condition holds for ``fact`` (a profile without unanswered fields)."""
        with self._lock:
            sid = str(next(self._sessions))
            self._fired = fired = []
            try:
                self._host.assert_fact(self._name, {**_engine_fact(fact), "sid": sid, ANCHOR_FIELD: 1})
            finally:
                self._host.delete_state(self._name, sid)
        return [rule_id for rule_id in dict.fromkeys(fired) if rule_id != ANCHOR_RULE]
