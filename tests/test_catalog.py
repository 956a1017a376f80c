"""The rule catalog is validated as it loads, and covers every documented point."""

import re
import shutil
import time
from pathlib import Path

import pytest

from pladvisor.advice.advisor import Advisor
from pladvisor.domain.fields import profile_from_answers
from pladvisor.engine.catalog import CatalogError, default_rules_dir, load_catalog

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"
"""The articles, beside the checkout where the project is developed; a copy elsewhere need not have them."""
DOCUMENTED_POINTS = {
    *(f"M{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 8)),
    *(f"W{i}" for i in range(1, 5)),
    *(f"B{i}" for i in range(1, 5)),
    *(f"R{i}" for i in range(1, 6)),
}
"""The domain's documented points: seven mistakes, seven mindset traits, four on purpose, four on where to begin,
five access points."""


def test_catalog_has_a_version_and_rules() -> None:
    catalog = load_catalog(default_rules_dir())
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", catalog.version)
    assert len(catalog.rules) >= len(catalog.points)


def test_every_documented_point_is_in_the_catalog_and_cited_by_a_rule() -> None:
    catalog = load_catalog(default_rules_dir())
    assert set(catalog.points) == DOCUMENTED_POINTS
    cited = {point for compiled in catalog.rules for point in compiled.rule.cites}
    assert DOCUMENTED_POINTS - cited == set()


def test_points_come_from_the_five_articles() -> None:
    catalog = load_catalog(default_rules_dir())
    files = {point.source for point in catalog.points.values()}
    assert len(files) == 5 and all(re.fullmatch(r"00[0-4]_[0-9a-f]{16}\.txt", name) for name in files)
    if SOURCES.is_dir():
        assert {name for name in files if not (SOURCES / name).is_file()} == set()


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    pytest.param(
        "definition.yaml",
        "area: definition\nrules:",
        "area: definition\nrules: [",
        None,
        "not valid YAML",
        id="malformed-yaml",
    ),
    pytest.param(
        "tools.yaml",
        "- id: tools-serve-learning",
        "- id: pd-no-coaching",
        "pd-no-coaching",
        "duplicate id",
        id="duplicate-id",
    ),
    pytest.param(
        "definition.yaml",
        "cites: {M1: 004_72cf62e6ea6ea115.txt}\n    when: {definition.written: false}",
        "cites: {M9: 004_72cf62e6ea6ea115.txt}\n    when: {definition.written: false}",
        "definition-not-written",
        "unknown point 'M9'",
        id="unknown-point",
    ),
    pytest.param(
        "definition.yaml",
        "cites: {M1: 004_72cf62e6ea6ea115.txt}\n    when: {definition.written: false}",
        "cites: {M1: 000_82d02f3f637f5e9b.txt}\n    when: {definition.written: false}",
        "definition-not-written",
        "comes from",
        id="wrong-source-file",
    ),
    pytest.param(
        "definition.yaml",
        "when: {definition.written: false}",
        "when: {definition.writen: false}",
        "definition-not-written",
        "'definition.writen' is not a field of SchoolProfile",
        id="unknown-path",
    ),
    pytest.param(
        "definition.yaml",
        "when: {definition.written: false}",
        "when: {$nex: {definition.written: 1}}",
        "definition-not-written",
        "unsupported operator $nex",
        id="unsupported-operator",
    ),
    pytest.param(
        "buy_in.yaml",
        "when: {buy_in.approach: mandate_all_by_date}",
        "when: {buy_in.approach: mandated}",
        "buy-in-mandated",
        "'mandated' cannot be compared",
        id="unknown-choice",
    ),
    pytest.param(
        "buy_in.yaml",
        "{$lt: {buy_in.full_implementation_expected_months: 24}}",
        "{$lt: {buy_in.approach: 24}}",
        "buy-in-timeline-too-short",
        "is not a number",
        id="type-mismatch",
    ),
    pytest.param(
        "definition.yaml",
        "{$iall: {definition.shared_with: {$neq: {$i: teachers}}}}",
        "{$iall: {definition.shared_with: {$neq: {i: teachers}}}}",
        "definition-not-common-language",
        "expected {$i: value}",
        id="bad-list-item",
    ),
    pytest.param(
        "tools.yaml",
        "    after: [why-missing]\n",
        "    after: [no-such-rule]\n",
        "tools-bought-before-goals",
        "unknown rule 'no-such-rule'",
        id="unknown-after",
    ),
    pytest.param(
        "definition.yaml",
        "title: Write down what personalized learning means at your school",
        "title: Write down what personalized learning means at your school\n    colour: blue",
        "definition-not-written",
        "colour: Extra inputs are not permitted",
        id="unknown-key",
    ),
    pytest.param(
        "tools.yaml",
        "      - From now on, ask every tool request to name the learning goal it serves.",
        "      - From now on: ask every tool request to name the learning goal it serves.",
        "tools-bought-before-goals",
        "steps[2] contains ': '",
        id="unquoted-colon",
    ),
    pytest.param(
        "definition.yaml",
        "(written definition: {definition.written})",
        "({definition.writen})",
        "definition-not-written",
        "quotes {definition.writen}",
        id="unknown-placeholder",
    ),
    pytest.param(
        "definition.yaml",
        "fires: {definition.written: false}",
        "fires: {definition.written: 3}",
        "definition-not-written",
        "examples.fires",
        id="invalid-example",
    ),
]


@pytest.mark.parametrize(("file", "old", "new", "rule", "message"), BROKEN)
def test_a_broken_rule_file_stops_loading_naming_file_and_rule(
    rules_copy: Path, file: str, old: str, new: str, rule: str | None, message: str
) -> None:
    edit(rules_copy / file, old, new)
    with pytest.raises(CatalogError) as caught:
        load_catalog(rules_copy)
    text = str(caught.value)
    assert file in text
    assert message in text
    if rule:
        assert f"rule {rule!r}" in text


def test_ordering_hints_may_not_form_a_cycle(rules_copy: Path) -> None:
    edit(
        rules_copy / "definition.yaml",
        "    order: 10\n    title: Write down",
        "    order: 10\n    after: [definition-not-common-language]\n    title: Write down",
    )
    with pytest.raises(CatalogError, match=r"cycle: definition-not-(written|common-language) -> "):
        load_catalog(rules_copy)


def test_a_rule_file_for_an_unknown_area_is_refused(rules_copy: Path) -> None:
    (rules_copy / "extra.yaml").write_text("area: finance\nrules: []\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"extra\.yaml: area 'finance' is not one of"):
        load_catalog(rules_copy)


def test_a_new_rule_file_needs_no_python(rules_copy: Path) -> None:
    (rules_copy / "extra.yaml").write_text(
        """area: buy_in
rules:
  - id: buy-in-voluntary-only
    kind: gap
    basis: practice
    cites: {B2: 002_9b8eb3950c0e2397.txt}
    when: {$and: [{buy_in.approach: voluntary}, {buy_in.support_at_each_stage: false}]}
    examples:
      fires: {buy_in.approach: voluntary, buy_in.support_at_each_stage: false}
      quiet: {buy_in.approach: phased_pilot}
    priority: low
    title: Plan how volunteers' results reach everyone else
    why: Teachers join through {buy_in.approach}.
    steps: [Share what volunteers learn each term.]
""",
        encoding="utf-8",
    )
    advisor = Advisor(load_catalog(rules_copy))
    answers = {"buy_in.approach": "voluntary", "buy_in.support_at_each_stage": False}
    fired = advisor.assess(profile_from_answers(answers)).recommendations
    assert [r.why for r in fired if r.rule_id == "buy-in-voluntary-only"] == [
        "Teachers join through voluntary participation."
    ]


GAP = """    kind: gap
    basis: documented
    cites: {{B2: 002_9b8eb3950c0e2397.txt}}
    when: {when}
    examples:
      fires: {fires}
      quiet: {quiet}
    priority: {priority}
    title: A rule added for this test
    why: An explanation.
    steps: [A step.]
"""


TWO_FALSE = "{$and: [{mindset.pilots_small_first: false}, {mindset.mistakes_treated_as_learning: false}]}"
TWO_FALSE_ANSWERS = "{mindset.pilots_small_first: false, mindset.mistakes_treated_as_learning: false}"
TWO_TRUE_ANSWERS = "{mindset.pilots_small_first: true, mindset.mistakes_treated_as_learning: true}"
"""A condition no catalog rule has, for rules added by the tests below."""


def add_rule(rules: Path, area: str, rule_id: str, when: str, fires: str, quiet: str, priority: str = "low") -> None:
    body = GAP.format(when=when, fires=fires, quiet=quiet, priority=priority)
    (rules / "extra.yaml").write_text(f"area: {area}\nrules:\n  - id: {rule_id}\n{body}", encoding="utf-8")


def test_two_rules_with_the_same_condition_are_refused_naming_both(rules_copy: Path) -> None:
    catalog = load_catalog(rules_copy)
    original = next(c for c in catalog.rules if c.rule.id == "buy-in-mandated")
    add_rule(
        rules_copy,
        "buy_in",
        "buy-in-mandated-again",
        "{$and: [{buy_in.approach: mandate_all_by_date}]}",
        "{buy_in.approach: mandate_all_by_date}",
        "{buy_in.approach: voluntary}",
    )
    with pytest.raises(
        CatalogError,
        match=r"extra\.yaml: rule 'buy-in-mandated-again': has the same condition as "
        r"'buy-in-mandated' \(" + re.escape(original.file),
    ):
        load_catalog(rules_copy)


def test_conditions_that_differ_only_in_order_are_the_same_condition(rules_copy: Path) -> None:
    add_rule(
        rules_copy,
        "buy_in",
        "one",
        "{$or: [{buy_in.approach: voluntary}, {buy_in.approach: phased_pilot}]}",
        "{buy_in.approach: voluntary}",
        "{buy_in.approach: readiness_based}",
    )
    text = (rules_copy / "extra.yaml").read_text(encoding="utf-8")
    twin = (
        text.replace("id: one", "id: two")
        .replace(
            "{$or: [{buy_in.approach: voluntary}, {buy_in.approach: phased_pilot}]}",
            "{$or: [{buy_in.approach: phased_pilot}, {$or: [{buy_in.approach: voluntary}]}]}",
        )
        .split("rules:\n", 1)[1]
    )
    (rules_copy / "extra.yaml").write_text(text + twin, encoding="utf-8")
    with pytest.raises(CatalogError, match="rule 'two': has the same condition as 'one'"):
        load_catalog(rules_copy)


def test_a_rule_counts_in_the_area_it_reads(rules_copy: Path) -> None:
    add_rule(
        rules_copy,
        "vision",
        "vision-reads-tools",
        "{tools.chosen_after_goals: false}",
        "{tools.chosen_after_goals: false}",
        "{tools.chosen_after_goals: true}",
    )
    with pytest.raises(
        CatalogError, match=r"rule 'vision-reads-tools': reads tools.chosen_after_goals, outside its area vision"
    ):
        load_catalog(rules_copy)


def test_a_rule_reading_a_skip_logic_question_must_require_its_parent(rules_copy: Path) -> None:
    add_rule(
        rules_copy,
        "vision",
        "why-very-stale",
        "{$gt: {vision.months_since_why_revisited: 100}}",
        "{vision.written_why: true, vision.months_since_why_revisited: 120}",
        "{vision.written_why: true, vision.months_since_why_revisited: 3}",
    )
    with pytest.raises(
        CatalogError,
        match=r"rule 'why-very-stale': reads vision.months_since_why_revisited, which is "
        "asked only when vision.written_why is True",
    ):
        load_catalog(rules_copy)
    add_rule(
        rules_copy,
        "vision",
        "why-very-stale",
        "{$and: [{vision.written_why: true}, {$gt: {vision.months_since_why_revisited: 100}}]}",
        "{vision.written_why: true, vision.months_since_why_revisited: 120}",
        "{vision.written_why: true, vision.months_since_why_revisited: 3}",
    )
    assert "why-very-stale" in load_catalog(rules_copy).by_id


def test_critical_is_kept_for_the_foundations(rules_copy: Path) -> None:
    add_rule(
        rules_copy, "mindset", "mindset-critical", TWO_FALSE, TWO_FALSE_ANSWERS, TWO_TRUE_ANSWERS, priority="critical"
    )
    with pytest.raises(CatalogError, match="rule 'mindset-critical': is critical but in no foundation"):
        load_catalog(rules_copy)


def test_a_strength_says_what_is_missing_and_how_to_keep_it(rules_copy: Path) -> None:
    add_rule(rules_copy, "mindset", "mindset-pilots", TWO_FALSE, TWO_FALSE_ANSWERS, TWO_TRUE_ANSWERS)
    path = rules_copy / "extra.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("kind: gap", "kind: strength"), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"rule 'mindset-pilots': .*a strength needs why_not"):
        load_catalog(rules_copy)


def test_a_noun_is_given_only_to_a_number(rules_copy: Path) -> None:
    add_rule(rules_copy, "mindset", "mindset-noun", TWO_FALSE, TWO_FALSE_ANSWERS, TWO_TRUE_ANSWERS)
    path = rules_copy / "extra.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "why: An explanation.", "why: Pilots {mindset.pilots_small_first:day}."
        ),
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match=r"gives {mindset.pilots_small_first:day} a noun, but it is not a number"):
        load_catalog(rules_copy)


def test_every_rule_says_whether_the_articles_or_the_catalog_stand_behind_it() -> None:
    catalog = load_catalog(default_rules_dir())
    bases = {compiled.rule.basis for compiled in catalog.rules}
    assert bases == {"documented", "practice"}
    numeric = [c for c in catalog.rules if re.search(r"\$(lt|lte|gt|gte)", str(c.rule.when))]
    assert numeric and {c.rule.basis for c in numeric if c.rule.kind != "inconsistency"} == {"practice"}


@pytest.mark.parametrize(
    ("when", "message"),
    [
        pytest.param("{$gt: {tools.technology_budget_percent: .inf}}", "inf is not a finite number", id="infinity"),
        pytest.param("{$lt: {tools.technology_budget_percent: .nan}}", "nan is not a finite number", id="nan"),
        pytest.param(
            "{$and: [" * 12 + "{tools.chosen_after_goals: false}" + "]}" * 12, "nested more than 8 deep", id="too-deep"
        ),
        pytest.param(
            "{$or: [" + ", ".join(["{tools.chosen_after_goals: false}"] * 40) + "]}",
            "40 conditions; at most 32",
            id="too-wide",
        ),
        pytest.param(
            "{$and: [" * 2000 + "{tools.chosen_after_goals: false}" + "]}" * 2000,
            "nested too deeply",
            id="thousands-deep",
        ),
    ],
)
def test_conditions_the_engine_cannot_take_are_refused_at_load(rules_copy: Path, when: str, message: str) -> None:
    add_rule(
        rules_copy,
        "tools",
        "tools-hostile",
        when,
        "{tools.chosen_after_goals: false}",
        "{tools.chosen_after_goals: true}",
    )
    started = time.perf_counter()
    # YAML too deep to read fails before any rule exists, so only the file can be named.
    named = "" if message == "nested too deeply" else "rule 'tools-hostile': "
    with pytest.raises(CatalogError, match=r"extra\.yaml: " + named + ".*" + re.escape(message)):
        load_catalog(rules_copy)
    assert time.perf_counter() - started < 10


def test_the_catalog_is_found_by_the_checkout_marker_not_any_directory_named_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pladvisor.engine.catalog as catalog_module

    assert (default_rules_dir() / "catalog.yaml").is_file()
    stray = tmp_path / "lib" / "python3.11"
    (stray / "rules").mkdir(parents=True)
    monkeypatch.setattr(catalog_module, "_CHECKOUT", stray)
    with pytest.raises(FileNotFoundError, match="no rule catalog"):
        catalog_module.default_rules_dir()


def test_a_profile_section_with_no_place_in_the_plan_stops_the_advisor_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pladvisor.advice.ranking as ranking

    tiers = {area: tier for area, tier in ranking.FOUNDATION_TIER.items() if area != "tools"}
    monkeypatch.setattr(ranking, "FOUNDATION_TIER", tiers)
    with pytest.raises(CatalogError, match=r"no tier for the profile section.s. tools"):
        Advisor.from_directory()
