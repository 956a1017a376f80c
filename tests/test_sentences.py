"""Every sentence the catalog can say reads as correct English, whatever the school answered.

A rule's explanation quotes the school's answers, so a template that reads well for one answer can
read badly for another ("a entry", "1 days", "is none"). These tests render every explanation for
every answer its quoted fields can take (see pladvisor.advice.sentences) and proofread the result.
"""

from pathlib import Path

import pytest

from pladvisor.advice.advisor import explain, spoken
from pladvisor.advice.sentences import RuleSentences, catalog_sentences, document, problems, quoted_fields
from pladvisor.domain.fields import profile_fields
from pladvisor.engine.catalog import default_rules_dir, load_catalog

CATALOG = load_catalog(default_rules_dir())
SENTENCES = list(catalog_sentences(CATALOG))
DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "sentences.md"


@pytest.mark.parametrize("sentences", SENTENCES, ids=lambda s: s.compiled.rule.id)
def test_every_explanation_reads_well_for_every_answer(sentences: RuleSentences) -> None:
    rule = sentences.compiled.rule
    found = {text: problems(text) for text in [*sentences.why, *sentences.why_not, *rule.step_texts, *rule.sustain]}
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
    pytest.param("Staff revisited it together 0 months ago.", 'a time of 0 "ago"', id="zero-ago"),
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
        "Staff revisited it together 10 months ago.",
    ],
)
def test_the_checks_accept_correct_sentences(sentence: str) -> None:
    assert problems(sentence) == []


def test_every_rule_has_a_sentence_the_advisor_really_says() -> None:
    for sentences in SENTENCES:
        assert sentences.said, sentences.compiled.rule.id
        if sentences.compiled.rule.kind == "strength":
            assert sentences.said_when_missing, sentences.compiled.rule.id


def test_a_time_of_zero_reads_as_within_the_last_one_or_right_away() -> None:
    assert [spoken(n, "month ago") for n in (0, 1, 7)] == ["within the last month", "1 month ago", "7 months ago"]
    assert spoken(0, "month") == "0 months"
    assert [spoken(n, "month from now") for n in (0, 1, 9)] == ["right away", "1 month from now", "9 months from now"]


def test_a_question_made_moot_is_never_quoted_as_not_answered() -> None:
    # A question asked only under some answer of another (skip logic) has no answer once that other answer
    # rules it out: quoting it as "not answered" would blame the school for a question it was never asked.
    fields = profile_fields()
    for sentences in SENTENCES:
        compiled = sentences.compiled
        rule = compiled.rule
        for template, example, said in (
            (rule.why, rule.examples.fires, True),
            (rule.why_not, rule.examples.quiet, False),
        ):
            for path in (p for p in quoted_fields(template or "") if fields[p].asked_when):
                parent, values = fields[path].asked_when or ("", ())
                info = fields[parent]
                for other in [v for v in ([True, False] if info.kind == "bool" else info.options) if v not in values]:
                    moot = {p for p, f in fields.items() if f.asked_when and f.asked_when[0] == parent}
                    for unasked in ({path}, moot):
                        answers = {k: v for k, v in {**example, parent: other}.items() if k not in unasked}
                        if (compiled.decide(answers) is True) == said:
                            assert "not answered" not in explain(compiled, answers, template=template), rule.id


def test_a_strength_in_place_quotes_no_answer_of_none() -> None:
    # What earns a strength is what the school does; the access points or components it does not use are no
    # part of that explanation.
    for sentences in SENTENCES:
        if sentences.compiled.rule.kind == "strength":
            assert [text for text in sentences.said if ": none" in text] == [], sentences.compiled.rule.id


@pytest.mark.parametrize(
    ("rule_id", "claim"),
    [
        # Article 004 says only that teachers and principals need chances to grow, not what leaders cannot do.
        ("pd-leaders-left-out", "cannot support or judge"),
        # M4 and B2 ask that teachers enter where they are; no article asks that they volunteer.
        ("buy-in-by-readiness", "as a volunteer"),
    ],
)
def test_a_documented_explanation_adds_nothing_its_article_does_not_say(rule_id: str, claim: str) -> None:
    sentences = next(s for s in SENTENCES if s.compiled.rule.id == rule_id)
    assert sentences.compiled.rule.basis == "documented"
    assert [text for text in [*sentences.why, *sentences.why_not] if claim in text] == []
