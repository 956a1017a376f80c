"""Running the catalog's conditions in durable-rules.

The catalog is compiled once into one durable-rules ruleset, and each profile is
asserted into it as a single fact, so every rule whose condition holds fires. Facts of
durable-rules 2.0.28 that shape this module:

* Its Python ``Host`` turns every firing into a JSON round trip: it decodes the fired
  message and re-encodes the session state, then calls back into the engine. Nothing
  here reads or changes that state, so this module drives the engine's own interface
  (``durable_rules_engine``) directly: assert the fact, take the name of each fired
  rule from the engine's message, ask for the next, retract the fact. Same matching,
  without the per-firing decoding (a test checks the fired rules equal the ``Host``'s
  on the plain ruleset, and ``make bench`` measures both).
* The engine parses each fact and copies it into every fired message, so the ruleset
  and the facts are in the compact form of ``encoding``: short flat keys and choices as
  small integers, a quarter of the plain JSON.
* The engine is not thread-safe, so every call goes through one lock; no background
  threads are started (the ``Host`` would start two timer threads).
* A ruleset holds at most 1,024 live sessions, and making one (it clears tables for
  every rule) and deleting it cost more than matching the fact. So all facts go through
  one session, each with its own id, and each is retracted once its rules have fired; if
  the engine fails midway, that session is deleted and the next fact starts a new one.
* Deleting a session whose fact matched no rule crashes the process, so the compiled
  ruleset carries one internal rule that matches every fact.
* ``$iall`` is false on an empty list, so an answered-but-empty list ("none of these")
  is asserted as ``["none"]``: "all items differ from X" then holds, and rules can
  also say ``{$iany: {path: {$i: none}}}``.
* A rule whose ``$or`` matches in several branches fires once per branch; ids are
  reported once each.
* Creating a ruleset in which an item test is an ``$or`` reads memory the engine never
  set, and fails now and then with code 102; ``encoding`` ends such a test in one every
  item passes, which the engine builds in full.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
from typing import Any

import durable_rules_engine

from pladvisor.domain.fields import NONE_ITEM, profile_fields

from .catalog import Catalog
from .encoding import ANCHOR_KEY, Encoding

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
    """The durable-rules JSON ruleset in the catalog's own terms: one rule per catalog rule, plus the anchor
    that matches every fact. What the compact ruleset must match alike."""
    definition: dict[str, Any] = {ANCHOR_RULE: {"all": [{"m": {ANCHOR_FIELD: 1}}], "pri": 0}}
    for index, compiled in enumerate(catalog.rules, start=1):
        definition[compiled.rule.id] = {"all": [{"m": compiled.rule.when}], "pri": index}
    return definition


def compact_definition(catalog: Catalog, encoding: Encoding) -> dict[str, Any]:
    """The same ruleset in the compact form: what ``RuleEvaluator`` runs."""
    definition: dict[str, Any] = {ANCHOR_RULE: {"all": [{"m": {ANCHOR_KEY: 1}}], "pri": 0}}
    for index, compiled in enumerate(catalog.rules, start=1):
        definition[compiled.rule.id] = {"all": [{"m": encoding.condition(compiled.rule.when)}], "pri": index}
    return definition


class RuleEvaluator:
    """One compiled ruleset, safe to share between threads."""

    def __init__(self, catalog: Catalog) -> None:
        self._lock = threading.Lock()
        self._sessions = itertools.count()
        self._sid = str(next(self._sessions))
        self._facts = itertools.count()
        self._encoding = Encoding(profile_fields())
        self._handle = durable_rules_engine.create_ruleset(
            f"pladvisor{next(_names)}", json.dumps(compact_definition(catalog, self._encoding))
        )

    def fired(self, fact: dict[str, Any]) -> list[str]:
        """Ids of every catalog rule whose condition holds for ``fact`` (a profile dump without unanswered fields)."""
        return self.fired_as_asserted(fact)

    def fired_as_asserted(self, asserted: dict[str, Any]) -> list[str]:
        """The same for a fact already in the engine's form (``engine_fact``: an empty list as ``["none"]``), for a
        caller that builds that form in the same pass as its other views of the answers. The compact encoding
        reads both forms alike."""
        members = self._encoding.members(asserted)
        engine, handle = durable_rules_engine, self._handle
        complete = engine.complete_and_start_action  # looked up once, not once a firing
        names: list[str] = []
        with self._lock:
            head = f'{{"sid":"{self._sid}","id":"{next(self._facts)}"'
            try:
                outcome, state = engine.assert_fact(
                    handle, f'{head},"{ANCHOR_KEY}":1,{members}}}' if members else f'{head},"{ANCHOR_KEY}":1}}'
                )
                if outcome != HANDLED:
                    raise RuntimeError(f"durable-rules refused the fact (code {outcome})")
                started = engine.start_action_for_state(handle, state)
                message = started[1] if started else None
                while message:
                    # A fired message is {"<rule id>": {...}}; rule ids are plain [a-z0-9-], so no decoding is needed.
                    names.append(message[2 : message.index('"', 2)])
                    message = complete(handle, state)
                engine.retract_fact(handle, head + "}")
            except BaseException:
                # Whatever the engine holds of this fact goes with its session; the next fact opens another.
                # There is no session to delete when the first fact it would have held was refused.
                with contextlib.suppress(engine.error):
                    engine.delete_state(handle, self._sid)
                self._sid = str(next(self._sessions))
                raise
        once = dict.fromkeys(names)
        once.pop(ANCHOR_RULE, None)
        return list(once)
