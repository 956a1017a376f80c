"""Running the catalog's conditions in durable-rules.

The catalog is compiled once into one durable-rules ruleset, and each profile is
asserted into it as a single fact, so every rule whose condition holds fires. Facts of
durable-rules 2.0.28 that shape this module:

* Its Python ``Host`` turns every firing into a JSON round trip: it decodes the fired
  message and re-encodes the session state, then calls back into the engine. Nothing
  here reads or changes that state, so this module drives the engine's own interface
  (``durable_rules_engine``) directly: assert the fact, take the name of each fired
  rule from the engine's message, ask for the next, delete the session. Same ruleset,
  same matching, without the per-firing decoding (a test checks the fired rules equal
  the ``Host``'s, and ``make bench`` measures both).
* The engine is not thread-safe, so every call goes through one lock; no background
  threads are started (the ``Host`` would start two timer threads).
* A ruleset holds at most 1,024 live sessions, so each evaluation uses a fresh session
  id and always deletes that session afterwards.
* Deleting a session whose fact matched no rule crashes the process, so the compiled
  ruleset carries one internal rule that matches every fact.
* ``$iall`` is false on an empty list, so an answered-but-empty list ("none of these")
  is asserted as ``["none"]``: "all items differ from X" then holds, and rules can
  also say ``{$iany: {path: {$i: none}}}``.
* A rule whose ``$or`` matches in several branches fires once per branch; ids are
  reported once each.
"""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import durable_rules_engine

from pladvisor.domain.base import to_json
from pladvisor.domain.fields import NONE_ITEM

from .catalog import Catalog

ANCHOR_FIELD = "pladvisor_fact"
ANCHOR_RULE = "pladvisor-anchor"
HANDLED = 0
_names = itertools.count()


def engine_fact(fact: dict[str, Any]) -> dict[str, Any]:
    """A profile dump (unanswered fields left out) as the engine must see it."""
    return {
        area: {name: (value or [NONE_ITEM]) if isinstance(value, list) else value for name, value in section.items()}
        for area, section in fact.items()
    }


def ruleset_definition(catalog: Catalog) -> dict[str, Any]:
    """The durable-rules JSON ruleset: one rule per catalog rule, plus the anchor that matches every fact."""
    definition: dict[str, Any] = {ANCHOR_RULE: {"all": [{"m": {ANCHOR_FIELD: 1}}], "pri": 0}}
    for index, compiled in enumerate(catalog.rules, start=1):
        definition[compiled.rule.id] = {"all": [{"m": compiled.rule.when}], "pri": index}
    return definition


class RuleEvaluator:
    """One compiled ruleset, safe to share between threads."""

    def __init__(self, catalog: Catalog) -> None:
        self._lock = threading.Lock()
        self._sessions = itertools.count()
        self._handle = durable_rules_engine.create_ruleset(
            f"pladvisor{next(_names)}", json.dumps(ruleset_definition(catalog))
        )

    def fired(self, fact: dict[str, Any]) -> list[str]:
        """Ids of every catalog rule whose condition holds for ``fact`` (a profile dump without unanswered fields)."""
        return self.fired_as_asserted(engine_fact(fact))

    def fired_as_asserted(self, asserted: dict[str, Any]) -> list[str]:
        """The same for a fact already in the engine's form (``engine_fact``), for a caller that builds that form
        in the same pass as its other views of the answers."""
        sid = str(next(self._sessions))
        payload = to_json({**asserted, "sid": sid, ANCHOR_FIELD: 1}).decode()
        names: list[str] = []
        with self._lock:
            outcome, state = durable_rules_engine.assert_fact(self._handle, payload)
            try:
                if outcome != HANDLED:
                    raise RuntimeError(f"durable-rules refused the fact (code {outcome})")
                started = durable_rules_engine.start_action_for_state(self._handle, state)
                message = started[1] if started else None
                while message:
                    # A fired message is {"<rule id>": {...}}; rule ids are plain [a-z0-9-], so no decoding is needed.
                    names.append(message[2 : message.index('"', 2)])
                    message = durable_rules_engine.complete_and_start_action(self._handle, state)
            finally:
                durable_rules_engine.delete_state(self._handle, sid)
        return [name for name in dict.fromkeys(names) if name != ANCHOR_RULE]
