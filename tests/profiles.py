"""Example school profiles used across the tests, as dotted answers."""

import random
from collections.abc import Mapping
from typing import Any

from pladvisor.domain.fields import ProfileField

RUSHED_DISTRICT = {
    "definition.written": False,
    "tools.plan_centre": "devices",
    "tools.purchased_before_goals": ["devices", "adaptive_software"],
    "tools.chosen_after_goals": False,
    "professional_development.format": "one_off",
    "professional_development.days_per_year": 1,
    "buy_in.approach": "mandate_all_by_date",
    "buy_in.full_implementation_expected_months": 8,
    "vision.written_why": False,
}
"""Bought devices and software first, mandates every teacher by August, no definition, one day of PD."""

MATURE_SCHOOL = {
    "definition.written": True,
    "definition.components": ["path", "pace", "competency_based", "student_voice"],
    "definition.shared_with": ["teachers", "leaders", "students", "families"],
    "definition.origin": "developed_locally",
    "definition.framed_as": "philosophy",
    "definition.existing_practices_mapped": True,
    "tools.plan_centre": "learning_experiences",
    "tools.purchased_before_goals": [],
    "tools.chosen_after_goals": True,
    "tools.technology_budget_percent": 30,
    "tools.teachers_decide_platform_use": True,
    "professional_development.format": "ongoing",
    "professional_development.methods": ["workshops", "coaching", "collaborative_planning"],
    "professional_development.days_per_year": 10,
    "professional_development.coaching": True,
    "professional_development.includes_principals": True,
    "professional_development.timely": True,
    "professional_development.matched_to_teacher_stage": True,
    "buy_in.approach": "readiness_based",
    "buy_in.full_implementation_expected_months": 48,
    "buy_in.support_at_each_stage": True,
    "buy_in.teachers_choose_entry_point": True,
    "buy_in.teachers_asked_for_change": True,
    "measurement.problem_defined": True,
    "measurement.baseline": True,
    "measurement.growth_measure": "interim_adaptive",
    "measurement.formative_checks": True,
    "measurement.tracks_mastery_per_student": True,
    "measurement.review_frequency": "monthly",
    "vision.written_why": True,
    "vision.why_names_learners_and_community": True,
    "vision.months_since_why_revisited": 6,
    "vision.every_child_commitment": True,
    "vision.celebrates_growth": True,
    "mindset.model_changes_last_year": 3,
    "mindset.pilots_small_first": True,
    "mindset.mistakes_treated_as_learning": True,
    "mindset.collaboration_minutes_per_week": 120,
    "mindset.barriers_cited_as_blocking": [],
    "mindset.barriers_worked_around": ["building"],
    "mindset.blended_model_use": "reference",
    "mindset.visit_focus": "decisions_and_change",
    "student_agency.goal_setting": "schoolwide",
    "student_agency.choices": ["where", "how", "tools", "demonstration"],
    "student_agency.inquiry": "many_classrooms",
    "student_agency.reflection": "schoolwide",
    "classroom_practice.whole_class_minutes_per_lesson": 8,
    "classroom_practice.teacher_role": "facilitator",
    "classroom_practice.students_access_content_independently": True,
    "classroom_practice.low_impact_work_reviewed": True,
}
"""Answers every question, and answers each one well."""


def as_body(answers: Mapping[str, object], **identity: str) -> dict[str, Any]:
    """The JSON body of an assessment request for dotted answers (required sections default to empty)."""
    body: dict[str, dict[str, object]] = {
        "definition": {},
        "tools": {},
        "professional_development": {},
        "buy_in": {},
        "measurement": {},
    }
    for path, value in answers.items():
        area, name = path.split(".")
        body.setdefault(area, {})[name] = value
    return {**identity, **body}


def random_value(rng: random.Random, info: ProfileField) -> Any:
    """Any valid answer to one question, drawn from ``rng``: numbers up to 100 at most, lists of any length."""
    if info.kind == "bool":
        return rng.random() < 0.5
    if info.kind == "int":
        return rng.randint(info.minimum or 0, min(info.maximum or 100, 100))
    if info.kind == "choice":
        return rng.choice(info.options)
    return rng.sample(info.options, rng.randint(0, len(info.options)))
