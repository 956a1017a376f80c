"""Builds the intake questionnaire from the profile's field table and the loaded catalog."""

from __future__ import annotations

from collections import defaultdict

from pladvisor.domain.fields import Kind, ProfileField, areas, label, profile_fields, required_areas
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.questionnaire import Option, Question, Questionnaire, QuestionnaireSection, SkipLogic
from pladvisor.domain.respondents import Role
from pladvisor.engine.catalog import Catalog
from pladvisor.engine.respondents import Respondents


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def section_title(area: str) -> str:
    """How a profile section is named to people: in the form, in reports and in comparisons."""
    return _sentence_case(label(area))


def _question(
    info: ProfileField, points: list[str], rules: list[str], wording: str | None = None, kind: Kind | None = None
) -> Question:
    """The question as the form asks it, or as a role reads it (its own ``wording`` and ``kind``)."""
    name = info.path.partition(".")[2]
    kind = kind or info.kind
    return Question(
        field=info.path,
        label=_sentence_case(label(name)),
        help=wording or info.question,
        kind=kind,
        minimum=info.minimum if kind == "int" else None,
        maximum=info.maximum if kind == "int" else None,
        options=[Option(value=value, label=label(value)) for value in info.options] if kind == info.kind else [],
        required=False,
        informs=points,
        rules=rules,
        asked_when=None
        if info.asked_when is None
        else SkipLogic(field=info.asked_when[0], values=list(info.asked_when[1])),
    )


STAGE_SECTION = "respondent"


def build_questionnaire(
    catalog: Catalog, respondents: Respondents | None = None, role: Role | None = None
) -> Questionnaire:
    """Every profile field exactly once, grouped by section in the model's order, with what each answer informs;
    for a ``role``, only the questions it is asked, in its words (sections it is asked nothing of left out)."""
    points: dict[str, list[str]] = defaultdict(list)
    rules: dict[str, list[str]] = defaultdict(list)
    for compiled in catalog.rules:
        for path in dict.fromkeys(compiled.paths):
            rules[path].append(compiled.rule.id)
            points[path] += [p for p in compiled.rule.cites if p not in points[path]]
    fields = profile_fields()
    required = required_areas()
    asked = None if role is None or respondents is None else respondents.asked_of(role)

    def question(path: str, info: ProfileField) -> Question:
        if respondents is None or role is None:
            return _question(info, points[path], rules[path])
        wording = respondents.fields[path].asked[role]
        asked_as = _question(info, points[path], rules[path], wording, respondents.answer_kind(path, role))
        parent = info.asked_when[0] if info.asked_when else None
        if parent is not None and (
            asked is None or parent not in asked or respondents.answer_kind(parent, role) != fields[parent].kind
        ):
            # The parent is not this role's question (or not in the form's terms): the question is simply asked.
            asked_as = asked_as.model_copy(update={"asked_when": None})
        return asked_as

    sections = [
        QuestionnaireSection(
            area=area,
            title=section_title(area),
            description=SchoolProfile.model_fields[area].description or "",
            required=area in required and asked is None,
            questions=[
                question(path, info)
                for path, info in fields.items()
                if info.area == area and (asked is None or path in asked)
            ],
        )
        for area in areas()
    ]
    if asked is not None:
        sections = [section for section in sections if section.questions]
    if role == "teacher" and respondents is not None:
        sections.append(_stage_section(respondents))
    return Questionnaire(catalog_version=catalog.version, role=role, sections=sections)


def _stage_section(respondents: Respondents) -> QuestionnaireSection:
    """The teacher's own stage in the shift: an answer about the respondent, sent as the response's stage."""
    return QuestionnaireSection(
        area=STAGE_SECTION,
        title="About you",
        description="Where you are in the shift; sent as the response's stage, not among its answers.",
        required=False,
        questions=[
            Question(
                field="stage",
                label="Your stage",
                help="Where are you in the shift to personalized learning?",
                kind="choice",
                minimum=None,
                maximum=None,
                options=[Option(value=stage.id, label=stage.title) for stage in respondents.stages],
                required=False,
                informs=["M4", "B2"],
                rules=[],
                asked_when=None,
            )
        ],
    )
