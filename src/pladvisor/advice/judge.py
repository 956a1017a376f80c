"""The properties a principal's trust rests on, checked over whole files of schools and generated ones.

Each property reads one school's answers and the advisor's real answer to them, and returns what breaks it
(an empty list when it holds). ``make judge`` runs every one over examples/district.csv, the named example
profiles and seeded random profiles, and prints how many violations each has: every count must be 0.

* the stage lies in its range, is never sustaining while a foundation is not shown in place, and one
  missing foundation in an otherwise strong school costs it one stage, not two;
* the plan opens in the articles' order (the why, the definition, entry without a mandate, ongoing support,
  tools that follow the purpose), and no step asks for what the answers say is done;
* an item held back by contradictory answers costs nothing and is not offered as a next level;
* leaving out an answer never raises a score, overall or of an area, the lowest stage, or a comparison;
* each answer counts once: a gap and the strength that says the same answer the other way never both cost
  points; the reach and number of students' access points count;
* no answer is dropped in silence.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.fields import profile_fields, profile_from_answers

from .advisor import Advisor
from .compare import compare_profiles
from .stages import STAGE_RANK, band

Answers = dict[str, Any]
Property = Callable[[Advisor, Answers, Assessment], list[str]]

DONE_PHRASES: tuple[tuple[str, Callable[[Mapping[str, Any]], bool]], ...] = (
    (
        "until the why and the definition are written",
        lambda a: a.get("vision.written_why") is True and a.get("definition.written") is True,
    ),
    ("Include principals", lambda a: a.get("professional_development.includes_principals") is True),
    ("in the week they need it", lambda a: a.get("professional_development.timely") is True),
    ("your written definition", lambda a: a.get("definition.written") is not True),
)
"""Words of a step, and the answers under which the step would ask for what is already done (or, for the last,
speak of what does not exist)."""


def stage_in_range(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    r = assessment.readiness
    if r.stage == "undetermined":
        return []
    if not STAGE_RANK[r.lowest_stage] <= STAGE_RANK[r.stage] <= STAGE_RANK[r.possible_stage]:
        return [f"stage {r.stage} outside {r.lowest_stage}..{r.possible_stage}"]
    return []


def no_top_stage_while_a_foundation_is_unknown(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    r = assessment.readiness
    if r.stage == "sustaining" and any(f.status != "met" for f in r.foundations):
        return ["sustaining with a foundation not shown in place"]
    return []


def one_foundation_one_stage(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    """With one foundation missing and the others in place, a school whose answered evidence reaches
    implementing or sustaining is implementing, never lower for that foundation's sake; the foundation is named."""
    r = assessment.readiness
    if r.stage == "undetermined" or r.answered_score is None:
        return []
    missing = [f.id for f in r.foundations if f.status == "not_met"]
    unknown = [f.id for f in r.foundations if f.status == "unknown"]
    reached = band(r.answered_score)
    if len(missing) == 1 and not unknown and STAGE_RANK[reached] >= STAGE_RANK["implementing"]:
        if r.stage != "implementing":
            return [f"band {reached} with one foundation missing is {r.stage}"]
        if reached == "sustaining" and missing[0] not in r.stage_held_by:
            return [f"held at implementing without naming {missing[0]}"]
    return []


def plan_opens_in_the_articles_order(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    opening = advisor.catalog.opening
    gaps = [item.rule_id for item in assessment.recommendations if item.kind == "gap"]
    expected = [rule_id for rule_id in opening if rule_id in gaps]
    if gaps[: len(expected)] != expected:
        return [f"plan opens {gaps[: len(expected)]}, not {expected}"]
    return []


def steps_never_ask_for_what_is_done(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    steps = [(item.rule_id, item.next_steps) for item in assessment.recommendations] + [
        (item.rule_id, item.next_steps) for item in assessment.next_level
    ]
    answers = {**answers, **{e.field: e.value for e in assessment.answers_inferred}}
    return [
        f"{rule_id}: {step}"
        for rule_id, said in steps
        for step in said
        for phrase, done in DONE_PHRASES
        if phrase in step and done(answers)
    ]


def held_back_items_cost_nothing(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    by_id = advisor.catalog.by_id
    held = {rule_id for check in assessment.check_answers for rule_id in by_id[check.rule_id].rule.withholds}
    costed = {entry.rule_id for area in assessment.readiness.areas for entry in area.held_down_by}
    offered = {item.rule_id for item in assessment.next_level}
    return sorted(f"{rule_id} held back yet counted" for rule_id in held & (costed | offered))


def _without(answers: Answers, path: str) -> Answers:
    return {key: value for key, value in answers.items() if key != path}


def _contradiction_fields(advisor: Advisor, assessment: Assessment) -> set[str]:
    """Answers that take part in a contradiction: leaving one out settles it, which may rightly free advice."""
    return {path for check in assessment.check_answers for path in advisor.catalog.by_id[check.rule_id].paths}


def skipping_never_raises_a_score(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    full = assessment.readiness
    exempt = _contradiction_fields(advisor, assessment)
    problems = []
    for path in sorted(set(answers) - exempt):
        skipped = advisor.assess(profile_from_answers(_without(answers, path))).readiness
        if (skipped.score or 0) > (full.score or 0):
            problems.append(f"without {path}: overall {full.score} -> {skipped.score}")
        if STAGE_RANK[skipped.lowest_stage] > STAGE_RANK[full.lowest_stage]:
            problems.append(f"without {path}: lowest stage {full.lowest_stage} -> {skipped.lowest_stage}")
        before = {a.area: a.score for a in full.areas}
        problems += [
            f"without {path}: {a.area} {before[a.area]} -> {a.score}"
            for a in skipped.areas
            if a.score is not None and a.score > (before[a.area] or 0)
        ]
    return problems


def skipping_never_pays_in_a_comparison(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    exempt = _contradiction_fields(advisor, assessment)
    problems = []
    profile = profile_from_answers(answers)
    for path in sorted(set(answers) - exempt):
        comparison = compare_profiles(advisor, profile, profile_from_answers(_without(answers, path)))
        problems += [f"without {path}: {sentence}" for sentence in comparison.improvements]
    return problems


def each_answer_counted_once(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    """No answer costs points through a gap and again through a strength that says the same thing the other way:
    where answering the gap's quiet example would also put the strength in place, the two are one fact."""
    costs = {entry.rule_id: entry.kind for area in assessment.readiness.areas for entry in area.held_down_by}
    by_id = advisor.catalog.by_id
    problems = []
    for gap_id in (rule_id for rule_id, kind in costs.items() if kind == "gap"):
        gap = by_id[gap_id]
        for strength_id in (rule_id for rule_id, kind in costs.items() if kind == "next_level"):
            strength = by_id[strength_id]
            if not set(gap.paths) & set(strength.paths):
                continue
            fixed = {**answers, **gap.rule.examples.quiet}
            if gap.decide(fixed) is False and strength.decide(fixed) is True:
                problems.append(f"{gap_id} and {strength_id} both cost points for one answer")
    return problems


ACCESS_POINTS = ("student_agency.goal_setting", "student_agency.choices", "student_agency.inquiry")


def agency_breadth_counts(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    """Students' access points score full marks only when one reaches many classrooms and more than one is in
    use: a single practice in a few classrooms is a start, not the whole of it."""
    area = next(a for a in assessment.readiness.areas if a.area == "student_agency")
    reach = [
        answers.get(p) for p in ("student_agency.goal_setting", "student_agency.inquiry", "student_agency.reflection")
    ]
    choices = answers.get("student_agency.choices")
    in_use = sum(value not in (None, "none") for value in reach) + bool(choices)
    wide = any(value in ("many_classrooms", "schoolwide") for value in reach)
    if area.score == 100 and not (wide and in_use >= 2):
        return [f"student agency 100 with {in_use} access point(s), reaching many classrooms: {wide}"]
    return []


def no_answer_dropped_in_silence(advisor: Advisor, answers: Answers, assessment: Assessment) -> list[str]:
    fields = profile_fields()
    inferred = {e.field for e in assessment.answers_inferred}
    problems = []
    for path in answers:
        logic = fields[path].asked_when
        if logic is None or logic[0] in answers:
            continue
        if logic[0] not in inferred and path not in assessment.answers_not_used:
            problems.append(f"{path} answered, {logic[0]} blank, and neither used nor said to be unused")
    return problems


PROPERTIES: dict[str, Property] = {
    "stage lies in its range": stage_in_range,
    "no top stage while a foundation is unknown": no_top_stage_while_a_foundation_is_unknown,
    "one foundation costs one stage": one_foundation_one_stage,
    "plan opens in the articles' order": plan_opens_in_the_articles_order,
    "steps never ask for what is done": steps_never_ask_for_what_is_done,
    "held-back items cost nothing": held_back_items_cost_nothing,
    "skipping never raises a score": skipping_never_raises_a_score,
    "skipping never pays in a comparison": skipping_never_pays_in_a_comparison,
    "each answer counted once": each_answer_counted_once,
    "agency breadth counts": agency_breadth_counts,
    "no answer dropped in silence": no_answer_dropped_in_silence,
}


def random_answers(rng: random.Random, answered: float) -> Answers:
    """A school's answers drawn at random: each question answered with probability ``answered``, with any of
    the values it can take."""
    answers: Answers = {}
    for path, info in profile_fields().items():
        if rng.random() >= answered:
            continue
        if info.kind == "bool":
            answers[path] = rng.random() < 0.5
        elif info.kind == "int":
            low, high = info.minimum or 0, info.maximum if info.maximum is not None else 100
            answers[path] = rng.randint(low, min(high, 120))
        elif info.kind == "choice":
            answers[path] = rng.choice(info.options)
        else:
            answers[path] = rng.sample(info.options, rng.randint(0, len(info.options)))
    return answers


def generated(seed: int, count: int) -> Iterator[Answers]:
    """Seeded random schools, from near-empty intakes to full ones."""
    rng = random.Random(seed)
    for _ in range(count):
        yield random_answers(rng, rng.choice((0.1, 0.3, 0.6, 0.85, 1.0)))


def violations(advisor: Advisor, schools: Iterable[Answers]) -> dict[str, list[str]]:
    """Every property's violations over ``schools``, each described with the school's place in the list."""
    found: dict[str, list[str]] = {name: [] for name in PROPERTIES}
    for index, answers in enumerate(schools):
        assessment = advisor.assess(profile_from_answers(answers))
        for name, check in PROPERTIES.items():
            found[name] += [f"school {index}: {problem}" for problem in check(advisor, answers, assessment)]
    return found
