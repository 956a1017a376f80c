"""A school's self-described state, as a principal can answer it on an intake form.

Every field inside a section is optional: ``None`` means "not answered", which the
advisor treats as missing information (lower confidence, a follow-up question), never
as a failing answer. Lists distinguish ``None`` (not answered) from ``[]`` ("none of
these"). Closed choices are ``Literal`` types so that strict validation accepts their
JSON strings while still refusing ``"yes"`` for a boolean or ``"3"`` for a number.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from .base import Model

MAX_TEXT = 200
"""Free text is only for correlation (ids, names); a bound keeps hostile bodies small."""


def _whole_number(value: object) -> object:
    """JSON does not tell 12 from 12.0; a whole float is that number, anything else stays for strict checking."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Count = Annotated[int, BeforeValidator(_whole_number)]
"""A whole number answer."""

AnswerValue = bool | int | str | list[str]
"""Any single answer, as it appears in JSON."""


def _distinct(items: list[str] | None) -> list[str] | None:
    if items is not None and len(set(items)) != len(items):
        raise ValueError("each choice may appear only once")
    return items


T = TypeVar("T")
Choices = Annotated[list[T] | None, AfterValidator(_distinct), Field(json_schema_extra={"uniqueItems": True})]
"""A multiple-choice answer: each option at most once; ``[]`` means none of them."""


@dataclass(frozen=True)
class AskedWhen:
    """Skip logic, kept with the question: it applies only when ``parent`` (a dotted path) was answered with
    one of ``values``. Otherwise it is moot: never asked as a follow-up, never counted as missing, and
    every rule that reads it must also require the parent's answer (checked when the catalog loads).

    ``implies``: answering this question says the parent's answer is the first of ``values`` (which components
    a definition names says that there is one), so an answer given with the parent left blank is used as if the
    parent had been answered so. Without it, such an answer is set aside, said to be, and the parent asked."""

    parent: str
    values: tuple[object, ...]
    implies: bool = False


def asked_when(parent: str, *values: object, implies: bool = False) -> AskedWhen:
    return AskedWhen(parent, values, implies)


MAX_REPORTED = 20
"""Errors listed for one body (or one batch item); the rest are counted, not spelt out."""


class Section(Model):
    """Base for every part of the profile: unknown fields are refused, never ignored."""

    @model_validator(mode="before")
    @classmethod
    def _few_unknown_fields(cls, data: Any) -> Any:
        """A body with thousands of made-up keys is refused with one error naming the first few: reporting
        each of them would make refusing it cost more than any valid request."""
        # More than MAX_REPORTED unknown keys needs more than MAX_REPORTED keys: a cheap test first, since
        # this runs for every section of every request.
        if isinstance(data, dict) and len(data) > MAX_REPORTED:
            count = len(data.keys() - cls.model_fields.keys())
            if count > MAX_REPORTED:
                first = itertools.islice((key for key in data if key not in cls.model_fields), MAX_REPORTED)
                raise PydanticCustomError(
                    "too_many_unknown_fields",
                    "{count} unknown fields, for example: {names}",
                    {"count": count, "names": ", ".join(str(key)[:MAX_TEXT] for key in first)},
                )
        return data


Component = Literal["path", "pace", "competency_based", "student_voice", "flexible_scheduling", "individual_interests"]
Audience = Literal["teachers", "leaders", "students", "families"]
DefinitionOrigin = Literal["developed_locally", "adapted_from_model", "adopted_model_as_is"]
Framing = Literal["program", "philosophy"]


class Definition(Section):
    written: bool | None = Field(
        None, description="Is there a written definition of personalized learning for this school or district?"
    )
    components: Annotated[Choices[Component], asked_when("definition.written", True, implies=True)] = Field(
        None,
        max_length=6,
        description="Which components does the definition name (path, pace, competency-based progression, ...)?",
    )
    shared_with: Annotated[Choices[Audience], asked_when("definition.written", True, implies=True)] = Field(
        None,
        max_length=4,
        description="Who uses the definition as common language (teachers, leaders, students, families)?",
    )
    origin: Annotated[DefinitionOrigin | None, asked_when("definition.written", True, implies=True)] = Field(
        None, description="Was the definition developed locally, adapted from a published model, or adopted as-is?"
    )
    framed_as: Framing | None = Field(
        None, description="Is personalized learning presented to staff as a program to roll out or as a philosophy?"
    )
    existing_practices_mapped: bool | None = Field(
        None,
        description="Have staff reflected on which personalized-learning components they already practise "
        "(for example with a reflection guide)?",
    )


PlanCentre = Literal["devices", "software", "lms", "learning_experiences"]
Tool = Literal["devices", "lms", "adaptive_software", "content_library"]


class Tools(Section):
    plan_centre: PlanCentre | None = Field(
        None,
        description="What does the personalized-learning plan centre on: devices, software, an LMS, or "
        "students' learning experiences?",
    )
    purchased_before_goals: Choices[Tool] = Field(
        None,
        max_length=4,
        description="Which of the tools in use were bought before the learning goals were set, even years ago? "
        "(an empty list: none)",
    )
    chosen_after_goals: bool | None = Field(
        None, description="Are new tools now chosen for a learning goal they serve?"
    )
    technology_budget_percent: Count | None = Field(
        None,
        ge=0,
        le=100,
        description="Share of the personalized-learning budget spent on devices and software, in percent.",
    )
    teachers_decide_platform_use: bool | None = Field(
        None,
        description="Do teachers decide how the provided platform serves students' goals, choice, inquiry and "
        "reflection?",
    )


PDFormat = Literal["none", "one_off", "occasional", "ongoing"]
PDMethod = Literal["workshops", "coaching", "collaborative_planning", "classroom_observation", "online_courses"]
HAS_PD = ("one_off", "occasional", "ongoing")


class ProfessionalDevelopment(Section):
    format: PDFormat | None = Field(
        None,
        description="How is professional development on personalized learning delivered: none, a one-off "
        "event, occasional sessions, or an ongoing system?",
    )
    methods: Annotated[Choices[PDMethod], asked_when("professional_development.format", *HAS_PD)] = Field(
        None,
        max_length=5,
        description="How is it delivered: workshops, coaching, collaborative planning, classroom observation, "
        "online courses? (choose every way that applies)",
    )
    days_per_year: Count | None = Field(
        None, ge=0, le=60, description="Days of personalized-learning professional development per teacher per year."
    )
    coaching: bool | None = Field(None, description="Do teachers have access to instructional coaching?")
    includes_principals: Annotated[bool | None, asked_when("professional_development.format", *HAS_PD)] = Field(
        None, description="Does professional development include principals and other school leaders?"
    )
    timely: bool | None = Field(
        None, description="Is support available when teachers need it, rather than only on fixed dates?"
    )
    matched_to_teacher_stage: Annotated[bool | None, asked_when("professional_development.format", *HAS_PD)] = Field(
        None, description="Is professional development matched to where each teacher is in the shift?"
    )


BuyInApproach = Literal["mandate_all_by_date", "phased_pilot", "voluntary", "readiness_based"]


class BuyIn(Section):
    approach: BuyInApproach | None = Field(
        None,
        description="How are teachers brought in: a mandate for all staff by a date, a phased pilot, "
        "voluntary participation, or entry by each teacher's readiness?",
    )
    full_implementation_expected_months: Count | None = Field(
        None, ge=0, le=240, description="In how many months do leaders expect every classroom to be fully personalized?"
    )
    support_at_each_stage: bool | None = Field(
        None, description="Is there support for teachers at each stage, including those not yet convinced?"
    )
    teachers_choose_entry_point: bool | None = Field(
        None, description="Does each educator name a strength and one struggle, and pick where to start?"
    )
    teachers_asked_for_change: bool | None = Field(
        None, description="Did teachers ask or vote for the move to personalized learning?"
    )


GrowthMeasure = Literal["none", "state_summative_only", "interim_adaptive", "other_interim", "summative_and_interim"]
ReviewFrequency = Literal["never", "yearly", "termly", "monthly", "weekly"]


class Measurement(Section):
    problem_defined: bool | None = Field(
        None, description="Has the school named the problem personalized learning is meant to solve?"
    )
    baseline: bool | None = Field(None, description="Was a baseline measured before starting?")
    growth_measure: GrowthMeasure | None = Field(
        None,
        description="How is student growth measured: not at all, the state summative test only, an interim "
        "adaptive growth test (such as NWEA MAP), another interim measure, or the state test together with an "
        "interim measure?",
    )
    formative_checks: bool | None = Field(None, description="Do teachers use regular formative checks of learning?")
    tracks_mastery_per_student: bool | None = Field(
        None, description="Can teachers see, per student, which skills are mastered and which gaps remain?"
    )
    review_frequency: ReviewFrequency | None = Field(None, description="How often do staff review results together?")


class Vision(Section):
    written_why: bool | None = Field(
        None, description="Is there a written statement of why the school is personalizing learning?"
    )
    why_names_learners_and_community: Annotated[bool | None, asked_when("vision.written_why", True)] = Field(
        None,
        description="Does the why say what you want for learners and why personalized learning fits this community?",
    )
    months_since_why_revisited: Annotated[Count | None, asked_when("vision.written_why", True)] = Field(
        None, ge=0, le=240, description="How many months ago did leaders and staff last revisit the why together?"
    )
    every_child_commitment: bool | None = Field(
        None, description="Do decisions start from the belief that every child deserves a personalized experience?"
    )
    celebrates_growth: bool | None = Field(
        None, description="Does the school mark and celebrate the growth of learners and of staff?"
    )


Barrier = Literal["bell_schedule", "resources", "infrastructure", "building"]
ModelUse = Literal["not_used", "reference", "template_to_copy"]
VisitFocus = Literal["digital_content", "decisions_and_change"]


class Mindset(Section):
    model_changes_last_year: Count | None = Field(
        None, ge=0, le=100, description="How many deliberate changes were made to the school model in the last year?"
    )
    pilots_small_first: bool | None = Field(
        None, description="Are new ideas tried small first, then scaled when they work?"
    )
    mistakes_treated_as_learning: bool | None = Field(
        None, description="Are mistakes in the work treated as part of the process rather than as failures?"
    )
    collaboration_minutes_per_week: Count | None = Field(
        None, ge=0, le=3000, description="Minutes per week teachers have to create and learn together."
    )
    barriers_cited_as_blocking: Choices[Barrier] = Field(
        None,
        max_length=4,
        description="Which constraints do staff cite as reasons personalized learning cannot work here? "
        "(an empty list: none)",
    )
    barriers_worked_around: Choices[Barrier] = Field(
        None,
        max_length=4,
        description="Which constraints do staff name but work around rather than stop at? (an empty list: none)",
    )
    blended_model_use: ModelUse | None = Field(
        None,
        description="How is a published blended-learning model taxonomy used: not at all, as a reference, "
        "or as a template to copy?",
    )
    visit_focus: VisitFocus | None = Field(
        None,
        description="On visits to other schools, what do staff mostly ask about: the digital content used, "
        "or how decisions are made and what changed year over year?",
    )


Reach = Literal["none", "few_classrooms", "many_classrooms", "schoolwide"]
Choice = Literal["where", "how", "tools", "demonstration"]


class StudentAgency(Section):
    goal_setting: Reach | None = Field(
        None, description="How widely do students set habit or academic goals and meet their teacher about them?"
    )
    choices: Choices[Choice] = Field(
        None,
        max_length=4,
        description="What may students choose: where they learn, how, which tools, how they show learning?",
    )
    inquiry: Reach | None = Field(
        None,
        description="How widely do students research essential questions and their own, and present to an audience?",
    )
    reflection: Reach | None = Field(
        None, description="How widely do students reflect with rubrics, data or feedback and act on it?"
    )


TeacherRole = Literal["direct_instruction", "mixed", "facilitator"]


class ClassroomPractice(Section):
    whole_class_minutes_per_lesson: Count | None = Field(
        None, ge=0, le=240, description="Typical minutes of whole-class instruction per lesson."
    )
    teacher_role: TeacherRole | None = Field(
        None,
        description="What is the teacher's usual role: direct instruction, a mix, or guiding students who "
        "lead their own learning?",
    )
    students_access_content_independently: bool | None = Field(
        None, description="Can students reach content and answers without step-by-step directions from the teacher?"
    )
    low_impact_work_reviewed: bool | None = Field(
        None, description="Have teachers reviewed what they assign or assess that barely affects essential learning?"
    )


class SchoolProfile(Section):
    """The body of an assessment request."""

    school_id: str | None = Field(
        None, max_length=MAX_TEXT, description="Caller's identifier for the school, echoed in the answer."
    )
    name: str | None = Field(None, max_length=MAX_TEXT, description="The school's name, echoed in the answer.")
    definition: Definition = Field(description="How personalized learning is defined and shared.")
    tools: Tools = Field(description="What the plan centres on and how tools were chosen.")
    professional_development: ProfessionalDevelopment = Field(
        description="How teachers and leaders are supported to make the shift."
    )
    buy_in: BuyIn = Field(description="How teachers are brought into the work.")
    measurement: Measurement = Field(description="How impact on students is measured.")
    vision: Vision | None = Field(None, description="The why behind the work (optional).")
    mindset: Mindset | None = Field(None, description="Mindset and adult culture (optional).")
    student_agency: StudentAgency | None = Field(None, description="Goals, choice, inquiry, reflection (optional).")
    classroom_practice: ClassroomPractice | None = Field(None, description="What lessons look like (optional).")
