"""Every sentence the catalog can say, rendered for proofreading.

A rule's ``why`` (and a strength's ``why_not``) quotes the school's answers, so one template becomes
many sentences. This module renders each template for every answer each quoted field can take (every
option of a closed choice, both booleans, an empty list, each single option and two options of a list,
and 0, 1, a typical value and the maximum of a number), with the other quoted fields held at the rule's
own example. ``python -m pladvisor.advice.sentences`` (``make sentences``) prints them as Markdown into
``docs/sentences.md``; the tests run every sentence through :func:`problems` and fail while that file is
stale.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pladvisor.domain.fields import ProfileField, areas, profile_fields
from pladvisor.domain.rules import Rule
from pladvisor.engine.catalog import PLACEHOLDER, Catalog, CompiledRule, default_rules_dir, load_catalog

from .advisor import explain

# --- Rendering -------------------------------------------------------------------------------------------


def sample_answers(info: ProfileField) -> list[Any]:
    """The answers a quoted field is rendered with."""
    if info.kind == "bool":
        return [True, False]
    if info.kind == "choice":
        return list(info.options)
    if info.kind == "choices":
        return [[], *([option] for option in info.options), list(info.options[:2])]
    low = info.minimum if info.minimum is not None else 0
    high = info.maximum if info.maximum is not None else low + 100
    candidates = (0, 1, round((low + high) / 2), high)
    return list(dict.fromkeys(n for n in candidates if low <= n <= high))


def quoted_fields(template: str) -> list[str]:
    """The fields a template quotes, in order of first appearance."""
    return list(dict.fromkeys(path for path, _noun in PLACEHOLDER.findall(template)))


def renderings(compiled: CompiledRule, template: str, example: dict[str, Any], shown: bool | None = None) -> list[str]:
    """Each distinct sentence ``template`` yields: first with the example's answers, then with one quoted
    field at a time set to each of its sample answers (the other quoted fields kept at the example's
    answer, or at their first sample answer when the example leaves them out).

    With ``shown``, only the answers under which the advisor really says the sentence: True keeps those
    that fire the rule (``why``), False those that leave it decided against (a strength's ``why_not``).
    """
    fields = profile_fields()
    paths = quoted_fields(template)
    base = {**example, **{path: example.get(path, sample_answers(fields[path])[0]) for path in paths}}
    variants = [base, *({**base, path: value} for path in paths for value in sample_answers(fields[path]))]
    if shown is not None:
        variants = [answers for answers in variants if (compiled.decide(answers) is True) == shown]
    return list(dict.fromkeys(explain(compiled, answers, template=template) for answers in variants))


@dataclass(frozen=True)
class RuleSentences:
    """A rule with every sentence its explanations can produce, and those the advisor can really say."""

    compiled: CompiledRule
    why: list[str]
    why_not: list[str]
    said: list[str]
    said_when_missing: list[str]


def rule_sentences(compiled: CompiledRule) -> RuleSentences:
    rule = compiled.rule
    fires, quiet = rule.examples.fires, rule.examples.quiet
    return RuleSentences(
        compiled,
        why=renderings(compiled, rule.why, fires),
        why_not=renderings(compiled, rule.why_not, quiet) if rule.why_not else [],
        said=renderings(compiled, rule.why, fires, shown=True),
        said_when_missing=renderings(compiled, rule.why_not, quiet, shown=False) if rule.why_not else [],
    )


def catalog_sentences(catalog: Catalog) -> Iterator[RuleSentences]:
    """Every rule's sentences, area by area in the order of the intake form, rules in catalog order."""
    for area in areas():
        for compiled in catalog.rules:
            if compiled.rule.area == area:
                yield rule_sentences(compiled)


# --- Checks ----------------------------------------------------------------------------------------------

ARTICLE = re.compile(r"\b(an?)\s+([A-Za-z][\w'-]*)", re.IGNORECASE)
CONSONANT_SOUND = ("one", "once", "uni", "use", "usu", "eu", "ewe")
"""Words spelt with a vowel that start with a consonant sound: a one-off, a unit, a user."""
SILENT_H = ("hour", "honest", "honor", "honour", "heir")
"""Words spelt with a consonant that start with a vowel sound: an hour."""
VOWEL_LETTER_NAMES = "AEFHILMNORSX"
"""Letters whose spoken name starts with a vowel: an LMS, an MRI, but a PDF."""
LIMITING = ("only", "alone", "just", "solely", "merely")
"""Words that narrow a statement; two in one sentence say the same thing twice."""
NOT_PLURAL = {"is", "was", "has", "its", "this", "plus", "as", "us", "yes", "thus", "across"}


def vowel_sound(word: str) -> bool:
    """Whether ``word`` is spoken with a leading vowel sound (so it takes "an")."""
    if len(word) > 1 and word.isupper():
        return word[0] in VOWEL_LETTER_NAMES
    lower = word.lower()
    if lower.startswith(CONSONANT_SOUND):
        return False
    if lower.startswith(SILENT_H):
        return True
    return lower[0] in "aeiou"


def split_sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.?!])\s+", text.strip()) if part]


def problems(text: str, *, whole_sentence: bool = True) -> list[str]:
    """What reads wrong in ``text``, one message per problem; an empty list when it reads well.

    ``whole_sentence`` is false for titles, which need not end with a full stop.
    """
    found: list[str] = []
    if "{" in text or "}" in text:
        found.append("a placeholder was left unrendered")
    if "  " in text:
        found.append("double space")
    if re.search(r"\s[.,;:?!)]", text):
        found.append("space before punctuation")
    if whole_sentence and not text.rstrip().endswith((".", "?", "!")):
        found.append("does not end with . ? or !")
    if text[:1].islower():
        found.append("does not start with a capital letter")
    for sentence in split_sentences(text):
        for match in ARTICLE.finditer(sentence):
            article, word = match.group(1).lower(), match.group(2)
            if article == "a" and vowel_sound(word):
                found.append(f'"a" before a vowel sound: "{match.group(0)}"')
            elif article == "an" and not vowel_sound(word):
                found.append(f'"an" before a consonant sound: "{match.group(0)}"')
        for match in re.finditer(r"(?<![\d.,])\b1\s+([a-z]+)\b", sentence):
            noun = match.group(1)
            if noun.endswith("s") and not noun.endswith("ss") and noun not in NOT_PLURAL:
                found.append(f'a plural noun after 1: "{match.group(0)}"')
        for match in re.finditer(r"\b(\w+)\s+\1\b", sentence, re.IGNORECASE):
            found.append(f'word repeated: "{match.group(0)}"')
        limiting = [w for w in re.findall(r"[a-z]+", sentence.lower()) if w in LIMITING]
        if len(limiting) > 1:
            found.append(f"narrowing said twice in one sentence: {', '.join(limiting)}")
        if re.search(r"\bis none\b", sentence, re.IGNORECASE):
            found.append('"is none"')
        if re.search(r"\bchoose:\s*none\b", sentence, re.IGNORECASE):
            found.append('"choose: none"')
        if re.search(r"\b0\s+[a-z]+s\s+ago\b", sentence):
            found.append('a time of 0 "ago"')
    return found


# --- The proofreading document ---------------------------------------------------------------------------


def _bullets(lines: list[str], numbered: bool = False) -> list[str]:
    return [f"{i}. {line}" if numbered else f"- {line}" for i, line in enumerate(lines, start=1)]


def _steps(rule: Rule) -> list[str]:
    """The steps, each said only under some answers marked with its condition."""
    lines = []
    for step in rule.steps:
        if isinstance(step, str):
            lines.append(step)
        elif step.when is not None:
            lines.append(f"{step.say} *(only when {json.dumps(step.when)})*")
        else:
            lines.append(f"{step.say} *(left out when {json.dumps(step.unless)})*")
    return lines


def _section(heading: str, lines: list[str]) -> list[str]:
    return [f"{heading}", "", *lines, ""] if lines else []


def rule_markdown(sentences: RuleSentences) -> list[str]:
    rule = sentences.compiled.rule
    cites = ", ".join(rule.cites)
    out = [f"### {rule.id}", "", f"{rule.kind} · {rule.basis} · {rule.priority} · cites {cites}", ""]
    out += [f"**{rule.title}**", ""]
    if rule.kind == "strength":
        out += _section("Why, when it is in place:", _bullets(sentences.said))
        out += _section("Why, when it is not yet in place:", _bullets(sentences.said_when_missing))
        out += _section("Steps to reach it:", _bullets(_steps(rule), numbered=True))
        out += _section("Steps to keep it:", _bullets(rule.sustain, numbered=True))
    elif rule.kind == "inconsistency":
        out += _section("Why:", _bullets(sentences.said))
        out += _section("Steps to settle the answers:", _bullets(_steps(rule), numbered=True))
        out += _section("Holds back:", [", ".join(f"`{rule_id}`" for rule_id in rule.withholds)])
    else:
        out += _section("Why:", _bullets(sentences.said))
        out += _section("Steps:", _bullets(_steps(rule), numbered=True))
    return out


def document(catalog: Catalog) -> str:
    """The whole catalog's wording as Markdown, area by area."""
    out = [
        "# Every sentence the advisor can say",
        "",
        "Generated from `rules/` by `make sentences`; do not edit by hand. Each explanation is rendered for",
        "every answer that each field it quotes can take, keeping those the advisor really says (a gap's",
        "explanation when it fires, a strength's when it is in place or decided against), and each distinct",
        "sentence is listed once, so the wording can be proofread in one place. The tests proofread every",
        "rendering, said or not.",
        "",
        f"Catalog {catalog.version}: {len(catalog.rules)} rules.",
        "",
    ]
    current = None
    for sentences in catalog_sentences(catalog):
        area = sentences.compiled.rule.area
        if area != current:
            out += [f"## {area}", ""]
            current = area
        out += rule_markdown(sentences)
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    print(document(load_catalog(default_rules_dir())), end="")


if __name__ == "__main__":
    main()
