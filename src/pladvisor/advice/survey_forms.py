"""The form a respondent fills in: the role's questionnaire in the respondent's language, the language chosen from
those the survey offers, and the response a submitted form makes, or what is wrong with it in the form's words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pladvisor.domain.fields import Kind, profile_fields
from pladvisor.domain.respondents import Response, Role

from .combine import Combiner
from .survey_catalog import STAGE, Language, SurveyCatalog, asked_questions, question_options

NONE_OF_THESE = "none"


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FormQuestion:
    name: str
    """The input's name: the profile field's dotted path, or ``stage``."""
    kind: Kind
    text: str
    choices: tuple[Choice, ...]
    minimum: int | None
    maximum: int | None


@dataclass(frozen=True, slots=True)
class Questionnaire:
    role: Role
    language: Language
    questions: tuple[FormQuestion, ...]


def questionnaire(catalog: SurveyCatalog, combiner: Combiner, role: Role, language: str) -> Questionnaire:
    """The role's questions in its own words, in ``language`` (which must word this role's questionnaire)."""
    words = catalog.languages[language]
    questions = []
    for name in asked_questions(role, combiner):
        kind: Kind = "choice" if name == STAGE else combiner.respondents.answer_kind(name, role)
        info = None if name == STAGE else profile_fields()[name]
        choices = tuple(Choice(o, words.choices[name][o]) for o in question_options(name, role, combiner))
        questions.append(
            FormQuestion(
                name=name,
                kind=kind,
                text=words.questions[role][name],
                choices=choices,
                minimum=info.minimum if info and kind == "int" else None,
                maximum=info.maximum if info and kind == "int" else None,
            )
        )
    return Questionnaire(role, words, tuple(questions))


def language_for(offered: Sequence[str], asked: str | None, accept_language: str | None) -> str:
    """The language to show: the one asked for (``?lang=``) when offered, else the browser's most preferred one
    offered (``Accept-Language``), else the first offered (English for every role)."""
    if asked is not None and asked in offered:
        return asked
    preferences: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, parameters = part.strip().partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        preferences.append((-weight, index, tag.strip().lower().split("-")[0]))
    for weight, _, code in sorted(preferences):
        if weight < 0 and code in offered:
            return code
    return offered[0]


@dataclass(frozen=True, slots=True)
class Submitted:
    """A form read back: the response it makes, or what is wrong with it (by input name; '' for the whole form)."""

    response: Response | None
    errors: dict[str, str]
    values: Mapping[str, list[str]]
    """What was sent, to show the form again as it was filled in."""


def read_form(form: Questionnaire, sent: Mapping[str, list[str]]) -> Submitted:
    """The response a submitted form makes. A question left blank is unanswered; "Not sure" is blank too."""
    words = form.language
    answers: dict[str, dict[str, Any]] = {}
    stage: str | None = None
    errors: dict[str, str] = {}
    for question in form.questions:
        given = [value for value in sent.get(question.name, []) if value != ""]
        value: Any = None
        if question.kind == "choices":
            if NONE_OF_THESE in given and len(given) > 1:
                errors[question.name] = words.say("none_and_others")
                continue
            options = {choice.value for choice in question.choices}
            if any(item not in options and item != NONE_OF_THESE for item in given) or len(set(given)) != len(given):
                errors[question.name] = words.say("not_an_option")
                continue
            value = [] if given == [NONE_OF_THESE] else [c.value for c in question.choices if c.value in given] or None
        elif len(given) > 1:
            errors[question.name] = words.say("not_an_option")
            continue
        elif given:
            value = _one(question, given[0])
            if value is None:
                bounds = {"minimum": question.minimum, "maximum": question.maximum}
                errors[question.name] = (
                    words.say("not_a_number", **bounds) if question.kind == "int" else words.say("not_an_option")
                )
                continue
        if value is None:
            continue
        if question.name == STAGE:
            stage = value
        else:
            section, _, field = question.name.partition(".")
            answers.setdefault(section, {})[field] = value
    if not errors and not answers and stage is None:
        errors[""] = words.say("at_least_one")
    if errors:
        return Submitted(None, errors, sent)
    return Submitted(Response.model_validate({"role": form.role, "stage": stage, "answers": answers}), {}, sent)


def _one(question: FormQuestion, text: str) -> Any:
    """One input's value in the question's kind, or None when it is not one of its answers."""
    if question.kind == "bool":
        return {"yes": True, "no": False}.get(text)
    if question.kind == "choice":
        return text if any(choice.value == text for choice in question.choices) else None
    if not re.fullmatch(r"[0-9]{1,6}", text.strip()):
        return None
    number = int(text)
    low = question.minimum if question.minimum is not None else 0
    high = question.maximum if question.maximum is not None else 10**6
    return number if low <= number <= high else None
