"""The survey's declarations in the catalog: the response rate from which each role counts, and every language a
form can be shown in, with the wording of the form and of the questionnaires of the roles it claims.

Both are data, in ``rules/respondents``: ``surveys.yaml`` holds the thresholds, and ``translations/<language>.yaml``
a language's wording. English is the catalog's own wording (``roles.yaml`` and the profile). Both are checked
completely when the service starts, and a mistake names the file and the key at fault.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pladvisor.domain.fields import label, profile_fields
from pladvisor.domain.respondents import ROLES, Role
from pladvisor.domain.surveys import Thresholds, Translation
from pladvisor.engine.catalog import CatalogError, _pydantic_problem, _read_yaml
from pladvisor.engine.respondents import RESPONDENTS_DIR

from .combine import Combiner

SURVEYS_FILE = "surveys.yaml"
TRANSLATIONS_DIR = "translations"
SOURCE_LANGUAGE = "en"
SOURCE_NAME = "English"
STAGE = "stage"
"""The teacher's own stage in the shift: asked on the teacher's form, sent as the response's stage."""
STAGE_QUESTION = "Where are you in the shift to personalized learning?"
TRANSLATED_ROLES: tuple[Role, ...] = ("student", "family")
"""The questionnaires every language words whole: students and families are the respondents most likely to read
another language first, and the ones a survey reaches in the largest numbers."""

ENGLISH: dict[str, str] = {
    "heading": "A short survey from {school}",
    "intro": "Your answers help the school plan how it personalizes learning. Answer what you can, and leave a "
    "question blank if you are not sure.",
    "anonymous": "Your answers are not stored with your name or with this link. The school sees them only together "
    "with others': a group of fewer than {floor} people is never shown on its own.",
    "closes": "You can answer until {closes_on}.",
    "yes": "Yes",
    "no": "No",
    "not_sure": "Not sure",
    "none_of_these": "None of these",
    "choose_any": "Choose all that apply.",
    "number_hint": "A whole number from {minimum} to {maximum}; leave it blank if you are not sure.",
    "submit": "Send my answers",
    "language": "Language",
    "done_title": "Thank you",
    "done_body": "Your answers were received. You can close this page.",
    "refused_title": "This link cannot be used",
    "used": "This link has already been used to answer. Each link takes one set of answers.",
    "closed": "This survey is closed, so it takes no more answers.",
    "full": "This survey has received as many answers as it can take.",
    "unknown": "This link is not valid. Check that it was copied whole, or ask the school for a new one.",
    "errors_title": "Please check your answers",
    "at_least_one": "Answer at least one question before sending.",
    "none_and_others": "Choose some of the options or “None of these”, not both.",
    "not_a_number": "Enter a whole number from {minimum} to {maximum}.",
    "not_an_option": "Choose one of the options shown.",
    "too_many": "Send this form only once; reload the page and try again.",
    "elsewhere": "This form can be sent only from its own page. Open the link you were given and answer there.",
}
"""The form's own words in English; every translation gives each of them, with the same {placeholders}."""
_HINT = re.compile(r"\s*\((none: an empty list|an empty list: none)\)$")
"""The API's hint for a list question, which the form replaces with a "None of these" choice."""


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    draft_notice: str | None
    """Shown on every page of a language nobody has reviewed yet."""
    words: Mapping[str, str]
    roles: frozenset[Role]
    questions: Mapping[Role, Mapping[str, str]]
    choices: Mapping[str, Mapping[str, str]]

    def say(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)


@dataclass(frozen=True)
class SurveyCatalog:
    thresholds: Mapping[Role, float]
    """The response rate from which each role counts toward the school's answer (practice judgement)."""
    languages: Mapping[str, Language]
    """Every language a form can be shown in, English first."""

    def offered_for(self, role: Role, languages: Sequence[str]) -> tuple[str, ...]:
        """The languages of ``languages`` this role's questionnaire has wording in, English first."""
        ordered = dict.fromkeys((SOURCE_LANGUAGE, *languages))
        return tuple(code for code in ordered if code in languages and role in self.languages[code].roles) or (
            SOURCE_LANGUAGE,
        )


def asked_questions(role: Role, combiner: Combiner) -> list[str]:
    """The questions of a role's form, which every language claiming the role words: those the catalog asks the
    role, and for teachers their own stage."""
    return [*combiner.respondents.asked_of(role), *([STAGE] if role == "teacher" else [])]


def question_options(path: str, role: Role, combiner: Combiner) -> tuple[str, ...]:
    """The values a choice question offers on a role's form, each of which a language words; none for any other
    question."""
    if path == STAGE:
        return tuple(stage.id for stage in combiner.respondents.stages)
    kind = combiner.respondents.answer_kind(path, role)
    return profile_fields()[path].options if kind in ("choice", "choices") else ()


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_translation(file: Path, translation: Translation, combiner: Combiner) -> None:
    def fail(key: str, message: str) -> None:
        raise CatalogError(file, f"{key}: {message}")

    if translation.language != file.stem:
        fail("language", f"the file of language {translation.language!r} must be named {translation.language}.yaml")
    if translation.language == SOURCE_LANGUAGE:
        fail("language", "English is the catalog's own wording (roles.yaml); it needs no translation file")
    if translation.status == "draft" and translation.draft_notice is None:
        fail("draft_notice", "a draft translation says so on every form: give the notice in the language")
    for key in sorted(ENGLISH.keys() - translation.form.keys()):
        fail(f"form.{key}", f"missing (in English: {ENGLISH[key]!r})")
    for key, text in translation.form.items():
        if key not in ENGLISH:
            fail(f"form.{key}", "not a word of the form")
        if _placeholders(text) != _placeholders(ENGLISH[key]):
            wanted = ", ".join(sorted(f"{{{name}}}" for name in _placeholders(ENGLISH[key]))) or "none"
            fail(f"form.{key}", f"must quote exactly these placeholders: {wanted}")
    claimed = set(translation.roles)
    for role in TRANSLATED_ROLES:
        if role not in claimed:
            fail("roles", f"every language words the {role} questionnaire; add {role} and its questions")
    for role in sorted(translation.questions.keys() - claimed):
        fail(f"questions.{role}", "words questions of a role the file does not claim (roles)")
    wanted_choices: dict[str, tuple[str, ...]] = {}
    for role in translation.roles:
        given = translation.questions.get(role, {})
        expected = asked_questions(role, combiner)
        for path in expected:
            if not given.get(path, "").strip():
                fail(f"questions.{role}.{path}", "missing: every question of a claimed role is translated")
            if options := question_options(path, role, combiner):
                wanted_choices[path] = options
        for path in sorted(given.keys() - set(expected)):
            fail(f"questions.{role}.{path}", f"{role}s are not asked this question")
    for path, options in wanted_choices.items():
        given_choices = translation.choices.get(path, {})
        for option in options:
            if not given_choices.get(option, "").strip():
                fail(f"choices.{path}.{option}", f"missing (in English: {label(option)!r})")
        for option in sorted(given_choices.keys() - set(options)):
            fail(f"choices.{path}.{option}", "not a choice of this question")
    for path in sorted(translation.choices.keys() - wanted_choices.keys()):
        fail(f"choices.{path}", "not a choice question of the roles claimed")


def _english(combiner: Combiner) -> Language:
    questions: dict[Role, dict[str, str]] = {}
    for role in ROLES:
        asked = combiner.respondents.fields
        wording = {
            path: _HINT.sub("", asked[path].asked[role] or profile_fields()[path].question)
            for path in combiner.respondents.asked_of(role)
        }
        questions[role] = {**wording, **({STAGE: STAGE_QUESTION} if role == "teacher" else {})}
    choices: dict[str, dict[str, str]] = {
        path: {o: _capital(label(o)) for o in i.options} for path, i in profile_fields().items()
    }
    choices[STAGE] = {stage.id: stage.title for stage in combiner.respondents.stages}
    return Language(SOURCE_LANGUAGE, SOURCE_NAME, None, ENGLISH, frozenset(ROLES), questions, choices)


def _thresholds(file: Path) -> dict[Role, float]:
    if not file.is_file():
        raise CatalogError(file, "missing: it gives the response rate from which each surveyed role counts")
    try:
        declared = Thresholds.model_validate(_read_yaml(file))
    except ValidationError as exc:
        raise CatalogError(file, _pydantic_problem(exc)) from exc
    rates = declared.response_rate_thresholds
    missing = [role for role in ROLES if role not in rates]
    if missing:
        raise CatalogError(file, f"response_rate_thresholds.{missing[0]}: missing; every role needs a threshold")
    for role, rate in rates.items():
        if not 0 < rate <= 1:
            raise CatalogError(file, f"response_rate_thresholds.{role}: a share above 0 and at most 1")
    return dict(rates)


def load_survey_catalog(rules_dir: Path | str, combiner: Combiner) -> SurveyCatalog:
    """Read ``respondents/surveys.yaml`` and every ``respondents/translations/*.yaml``, checked against the
    questionnaires ``combiner`` declares."""
    directory = Path(rules_dir) / RESPONDENTS_DIR
    languages = {SOURCE_LANGUAGE: _english(combiner)}
    for file in sorted((directory / TRANSLATIONS_DIR).glob("*.yaml")):
        try:
            translation = Translation.model_validate(_read_yaml(file))
        except ValidationError as exc:
            raise CatalogError(file, _pydantic_problem(exc)) from exc
        _check_translation(file, translation, combiner)
        languages[translation.language] = Language(
            translation.language,
            translation.name,
            translation.draft_notice if translation.status == "draft" else None,
            translation.form,
            frozenset(translation.roles),
            translation.questions,
            translation.choices,
        )
    return SurveyCatalog(_thresholds(directory / SURVEYS_FILE), languages)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
