"""The card a portal shows: a school's latest assessment cut down to the verdict and the first moves."""

from __future__ import annotations

from datetime import date

from pladvisor.domain.assessment import Assessment
from pladvisor.domain.embeds import CardStep, EmbedCard

BASIS_LABEL = {"documented": "from the articles", "practice": "practice judgement"}
"""How a page tells the articles' advice from the catalog's own judgement."""
NOTHING_STORED = "No assessment of this school is stored yet."


def card(school: str, assessed_on: date | None, assessment: Assessment | None) -> EmbedCard:
    """Only what a reader of the portal needs and the organization chose to show by making the link: the stage
    with its range, the steps to take now and the strengths. The answers, the respondents and their counts stay
    behind the organization's key."""
    if assessment is None:
        return EmbedCard(
            school=school,
            assessed_on=None,
            catalog_version=None,
            stage=None,
            lowest_stage=None,
            possible_stage=None,
            provisional=False,
            verdict=NOTHING_STORED,
            score=None,
            now=(),
            strengths=(),
        )
    readiness = assessment.readiness
    return EmbedCard(
        school=school,
        assessed_on=assessed_on,
        catalog_version=assessment.catalog_version,
        stage=readiness.stage,
        lowest_stage=readiness.lowest_stage,
        possible_stage=readiness.possible_stage,
        provisional=readiness.provisional,
        verdict=readiness.verdict,
        score=readiness.score,
        now=tuple(
            CardStep(rank=r.rank, title=r.title, why=r.why, next_steps=r.next_steps, basis=BASIS_LABEL[r.basis])
            for r in assessment.recommendations
            if r.horizon == "now"
        ),
        strengths=tuple(strength.title for strength in assessment.strengths),
    )
