"""Every sentence the catalog can say reads as correct English, whatever the school answered.

A rule's explanation quotes the school's answers, so a template that reads well for one answer can
read badly for another ("a entry", "1 days", "is none"). These tests render every explanation for
every answer its quoted fields can take (see pladvisor.advice.sentences) and proofread the result.
"""

from pathlib import Path

import pytest

from pladvisor.advice.sentences import RuleSentences, catalog_sentences, document, problems
from pladvisor.engine.catalog import default_rules_dir, load_catalog

CATALOG = load_catalog(default_rules_dir())
SENTENCES = list(catalog_sentences(CATALOG))
DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "sentences.md"


@pytest.mark.parametrize("sentences", SENTENCES, ids=lambda s: s.compiled.rule.id)
def test_every_explanation_reads_well_for_every_answer(sentences: RuleSentences) -> None:
    rule = sentences.compiled.rule
    found = {text: problems(text) for text in [*sentences.why, *sentences.why_not, *rule.steps, *rule.sustain]}
    found[rule.title] = problems(rule.title, whole_sentence=False)
    assert {text: issues for text, issues in found.items() if issues} == {}


def test_a_practice_rule_says_its_judgement_is_the_catalogs_own() -> None:
    # A number no article gives (days, minutes, percentages, months) must never read as the article's.
    for sentences in SENTENCES:
        rule = sentences.compiled.rule
        if rule.basis == "practice" and rule.kind != "inconsistency":
            for text in [*sentences.why, *sentences.why_not]:
                assert "this catalog's practice" in text, (rule.id, text)


def test_every_strength_explains_itself_when_missing_too() -> None:
    for sentences in SENTENCES:
        if sentences.compiled.rule.kind == "strength":
            assert sentences.why_not, sentences.compiled.rule.id


def test_the_proofreading_document_is_up_to_date() -> None:
    expected = document(CATALOG)
    current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.is_file() else ""
    assert current == expected, "docs/sentences.md is stale: run `make sentences` and review the diff"


# The checks themselves, on the broken sentences that prompted them and on their correct forms.

BROKEN = [
    pytest.param(
        "Teachers are brought in by a entry by each teacher's readiness.",
        '"a" before a vowel sound',
        id="a-before-vowel",
    ),
    pytest.param("The plan centres on a LMS.", '"a" before a vowel sound', id="a-before-acronym"),
    pytest.param("The plan centres on an device.", '"an" before a consonant sound', id="an-before-consonant"),
    pytest.param("Teachers get 1 days of professional development a year.", "a plural noun after 1", id="one-days"),
    pytest.param("Growth is measured only by the state summative test only.", "narrowing said twice", id="only-twice"),
    pytest.param(
        "Growth is measured only by the state summative test alone.", "narrowing said twice", id="only-and-alone"
    ),
    pytest.param("Students may choose: none, but not how.", '"choose: none"', id="choose-none"),
    pytest.param("Professional development is none.", '"is none"', id="is-none"),
    pytest.param("The plan centres on on devices.", "word repeated", id="repeated-word"),
    pytest.param("The plan centres on  devices.", "double space", id="double-space"),
    pytest.param("The plan centres on devices .", "space before punctuation", id="space-before-full-stop"),
    pytest.param("The plan centres on devices", "does not end with", id="no-full-stop"),
    pytest.param("the plan centres on devices.", "capital letter", id="lower-case-start"),
    pytest.param("The plan centres on {tools.plan_centre}.", "placeholder", id="unrendered-placeholder"),
]


@pytest.mark.parametrize(("sentence", "expected"), BROKEN)
def test_the_checks_catch_each_kind_of_broken_sentence(sentence: str, expected: str) -> None:
    assert any(expected in issue for issue in problems(sentence)), problems(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Teachers are brought in by entry by each teacher's readiness.",
        "Teachers are brought in by a mandate for all staff by a date.",
        "The plan centres on an LMS.",
        "It took an hour.",
        "Professional development is a one-off event.",
        "They work as a unit, and a user can see it.",
        "Teachers get 1 day of professional development a year.",
        "Teachers get 5 days of professional development a year.",
        "Growth is measured by the state summative test alone.",
        "Students have no access point in use yet (choices open to students: none).",
        "There is no ongoing system yet (professional development: none).",
        "Is it ongoing?",
    ],
)
def test_the_checks_accept_correct_sentences(sentence: str) -> None:
    assert problems(sentence) == []


def test_every_rule_has_a_sentence_the_advisor_really_says() -> None:
    for sentences in SENTENCES:
        assert sentences.said, sentences.compiled.rule.id
        if sentences.compiled.rule.kind == "strength":
            assert sentences.said_when_missing, sentences.compiled.rule.id
