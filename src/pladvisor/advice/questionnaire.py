"""Builds the intake questionnaire from the profile's field table and the loaded catalog."""

from __future__ import annotations

from collections import defaultdict

from pladvisor.domain.fields import ProfileField, areas, label, profile_fields, required_areas
from pladvisor.domain.profile import SchoolProfile
from pladvisor.domain.questionnaire import Option, Question, Questionnaire, QuestionnaireSection, SkipLogic
from pladvisor.engine.catalog import Catalog


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def section_title(area: str) -> str:
    """How a profile section is named to people: in the form, in reports and in comparisons."""
    return _sentence_case(label(area))


def _question(info: ProfileField, points: list[str], rules: list[str]) -> Question:
    name = info.path.partition(".")[2]
    return Question(
        field=info.path,
        label=_sentence_case(label(name)),
        help=info.question,
        kind=info.kind,
        minimum=info.minimum,
        maximum=info.maximum,
        options=[Option(value=value, label=label(value)) for value in info.options],
        required=False,
        informs=points,
        rules=rules,
        asked_when=None
        if info.asked_when is None
        else SkipLogic(field=info.asked_when[0], values=list(info.asked_when[1])),
    )


def build_questionnaire(catalog: Catalog) -> Questionnaire:
    """Every profile field exactly once, grouped by section in the model's order, with what each answer informs."""
    points: dict[str, list[str]] = defaultdict(list)
    rules: dict[str, list[str]] = defaultdict(list)
    for compiled in catalog.rules:
        for path in dict.fromkeys(compiled.paths):
            rules[path].append(compiled.rule.id)
            points[path] += [p for p in compiled.rule.cites if p not in points[path]]
    fields = profile_fields()
    required = required_areas()
    return Questionnaire(
        catalog_version=catalog.version,
        sections=[
            QuestionnaireSection(
                area=area,
                title=section_title(area),
                description=SchoolProfile.model_fields[area].description or "",
                required=area in required,
                questions=[
                    _question(info, points[path], rules[path]) for path, info in fields.items() if info.area == area
                ],
            )
            for area in areas()
        ],
    )
