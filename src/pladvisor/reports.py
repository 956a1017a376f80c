"""The HTML pages: one school's printable report, a district's roll-up, and the intake form.

The API and the command line render the same templates through the one Jinja2
environment built here, so a report printed from either is the same page. Autoescaping
is always on: school names and ids come from callers and are shown as text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from pladvisor.advice.advisor import spoken
from pladvisor.advice.card import BASIS_LABEL
from pladvisor.advice.questionnaire import section_title
from pladvisor.advice.stages import stage
from pladvisor.domain.assessment import Assessment, Horizon, Recommendation, Source, Stage
from pladvisor.domain.batch import Rollup
from pladvisor.domain.respondents import CombinedAssessment
from pladvisor.domain.stored import DistrictOut, Rollout
from pladvisor.domain.what_if import WhatIf

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT = "report.html"
DISTRICT_REPORT = "district_report.html"
FORM = "questionnaire_form.html"
EMBED_CARD = "embed_card.html"


@dataclass(frozen=True, slots=True)
class Bar:
    """One row of an SVG bar chart; the templates only draw, the numbers are decided here."""

    label: str
    share: float | None
    """Length as a share of the full track, 0-1; None draws no bar (nothing to measure)."""
    text: str
    tone: str
    """CSS class giving the colour: a stage name for scores, ``count`` for tallies."""


@cache
def environment() -> Environment:
    """Undefined names fail the render: a misspelt variable must not print an empty score on a report."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["answer"] = spoken
    env.filters["section_title"] = section_title
    return env


def school_name(assessment: Assessment) -> str:
    return assessment.name or assessment.school_id or "Unnamed school"


def _score_bar(area: str, score: float | None, wording: str = "{:.0f}") -> Bar:
    """A score out of 100, coloured by the stage its band is named after; an unscored area gets an empty track."""
    if score is None:
        return Bar(section_title(area), None, "not scored", "undetermined")
    return Bar(section_title(area), score / 100, wording.format(score), stage(round(score), True))


def _cited(assessment: Assessment) -> list[Source]:
    """Each documented point the page rests on, once, in the order the page first cites it."""
    cited = [
        *(s for r in assessment.recommendations for s in r.sources),
        *(s for strength in assessment.strengths for s in strength.sources),
        *(s for n in assessment.next_level for s in n.sources),
    ]
    return list({s.point: s for s in cited}.values())


def report_context(
    assessment: Assessment,
    combined: CombinedAssessment | None = None,
    titles: Mapping[str, str] | None = None,
    what_if: WhatIf | None = None,
) -> dict[str, Any]:
    plan: dict[Horizon, list[Recommendation]] = {h: [] for h in get_args(Horizon)}
    for recommendation in assessment.recommendations:
        plan[recommendation.horizon].append(recommendation)
    return {
        "school": school_name(assessment),
        "assessment": assessment,
        "readiness": assessment.readiness,
        "area_bars": [_score_bar(a.area, a.score) for a in assessment.readiness.areas],
        "plan": plan,
        "sources": _cited(assessment),
        "basis_label": BASIS_LABEL,
        "combined": combined,
        "what_if": what_if,
        **(_perception_context(combined, titles or {}) if combined else {}),
    }


def render_report(assessment: Assessment, what_if: WhatIf | None = None) -> str:
    return environment().get_template(REPORT).render(report_context(assessment, what_if=what_if))


ROLE_TITLES = {
    "leader": "Leaders",
    "teacher": "Teachers",
    "coach": "Coaches",
    "student": "Students",
    "family": "Families",
}


def _alignment(combined: CombinedAssessment, titles: Mapping[str, str]) -> list[tuple[str, list[Bar]]]:
    """Per area, each group shown: the share of its answers that are the school's combined answer, over the
    questions where both are on one scale (yes or no, one choice). Leaders, teachers and students side by side
    show at a glance where one group sees the school otherwise."""
    by_area: dict[str, dict[str, list[int]]] = {}
    for answered in combined.combined:
        if answered.value is None or (isinstance(answered.value, tuple | int) and not isinstance(answered.value, bool)):
            continue
        area = answered.field.partition(".")[0]
        for view in answered.by_role:
            same = sum(
                c.count for c in view.counts if c.value == answered.value and type(c.value) is type(answered.value)
            )
            if not view.counts or type(view.counts[0].value) is not type(answered.value):
                continue
            tally = by_area.setdefault(area, {}).setdefault(view.role, [0, 0])
            tally[0] += same
            tally[1] += view.respondents
    charts = []
    for area, roles in by_area.items():
        bars = [
            Bar(titles[role], same / total, f"{_percent(same / total)} of {total} answers", "count")
            for role, (same, total) in sorted(roles.items(), key=lambda item: list(titles).index(item[0]))
            if total
        ]
        if len(bars) > 1:
            charts.append((area, bars))
    return charts


def _perception_context(combined: CombinedAssessment, titles: Mapping[str, str]) -> dict[str, Any]:
    stages = combined.teacher_stages
    return {
        "role_titles": titles,
        "alignment": _alignment(combined, titles),
        "stage_bars": [_tally(s.title, s.teachers, stages.respondents) for s in stages.stages],
    }


def render_combined_report(combined: CombinedAssessment, titles: Mapping[str, str]) -> str:
    """The school's report with how its respondents see it: agreement by group and area, the perception gaps,
    and where teachers are in the shift. ``titles`` names each role, in form order (``Respondents.roles``)."""
    return environment().get_template(REPORT).render(report_context(combined.assessment, combined, titles))


def _percent(share: float) -> str:
    return f"{round(100 * share)}%"


def _tally(name: str, count: int, total: int) -> Bar:
    if not total:
        return Bar(name, None, str(count), name)
    return Bar(name, count / total, f"{count} ({_percent(count / total)})", name)


def district_context(rollup: Rollup) -> dict[str, Any]:
    stage_bars = [_tally(name, rollup.stages.get(name, 0), rollup.assessed) for name in get_args(Stage)]
    area_bars = [_score_bar(a.area, a.mean, "mean {:.0f}") for a in rollup.areas]
    recommendation_bars = [
        Bar(r.title, r.share, f"{r.count} {'school' if r.count == 1 else 'schools'} ({_percent(r.share)})", "count")
        for r in rollup.top_recommendations
    ]
    return {
        "rollup": rollup,
        "stage_bars": stage_bars,
        "area_bars": area_bars,
        "recommendation_bars": recommendation_bars,
    }


def render_district_report(rollup: Rollup) -> str:
    """A printable district page: how schools spread over the stages and which advice most of them got."""
    return environment().get_template(DISTRICT_REPORT).render(district_context(rollup))


DISTRICT_PAGE = "district_page.html"
TREND_WIDTH, TREND_HEIGHT = 140, 36


def trend(scores: Sequence[int | None]) -> Markup:
    """A small SVG line of a school's scores over time (0-100, oldest first); unscored points are skipped."""
    points = [(i, score) for i, score in enumerate(scores) if score is not None]
    if not points:
        return Markup('<span class="note">not scored</span>')
    step = (TREND_WIDTH - 8) / max(len(scores) - 1, 1)
    xy = [(4 + i * step, TREND_HEIGHT - 4 - (TREND_HEIGHT - 8) * score / 100) for i, score in points]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>' for x, y in xy)
    label = ", ".join(str(score) for _, score in points)
    return Markup(
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {TREND_WIDTH} {TREND_HEIGHT}" '
        f'role="img" aria-label="Scores, oldest first: {label}"><title>Scores, oldest first: {label}</title>'
        f'<line x1="4" y1="{TREND_HEIGHT - 4}" x2="{TREND_WIDTH - 4}" y2="{TREND_HEIGHT - 4}"/>'
        f'<polyline points="{line}"/>{dots}</svg>'
    )


def render_district_page(
    district: DistrictOut, rollout: Rollout, trends: Mapping[str, Sequence[int | None]], catalog_version: str
) -> str:
    """The printable roll-out page: the waves, each school's placement explained and its trend."""
    return (
        environment()
        .get_template(DISTRICT_PAGE)
        .render(district=district, rollout=rollout, trends=trends, catalog_version=catalog_version, trend=trend)
    )
