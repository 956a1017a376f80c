"""What a combined request must be: its body as a type per role, from the declarations of who is asked what,
and the checks that name each answer that cannot be combined."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model
from pydantic.fields import FieldInfo

from pladvisor.domain.base import Model
from pladvisor.domain.fields import areas, profile_fields, section_models
from pladvisor.domain.problems import FieldError
from pladvisor.domain.profile import MAX_TEXT
from pladvisor.domain.respondents import MAX_RESPONSES, ROLES, CombinedRequest, TeacherStage
from pladvisor.engine.respondents import Respondents, answer_problem


class CombineError(ValueError):
    """Responses that cannot be combined, with every field at fault (the first few reported)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid answers")
        self.errors = errors


def check_responses(request: CombinedRequest, respondents: Respondents) -> list[FieldError]:
    """What is wrong with the responses beyond their shape: a question a role is not asked, an answer of the
    wrong kind. (``request_model`` refuses the same things; this holds for a request built directly.)"""
    fields = profile_fields()
    errors: list[FieldError] = []
    for index, response in enumerate(request.responses):
        where = f"responses.{index}"
        for section, answers in response.answers.items():
            for name, value in answers.items():
                path = f"{section}.{name}"
                at = f"{where}.answers.{path}"
                if path not in fields:
                    errors.append(FieldError(field=at, message="not a question of the profile"))
                elif response.role not in respondents.fields[path].asked:
                    who = respondents.roles[response.role].title.lower()
                    errors.append(FieldError(field=at, message=f"{who} are not asked this question"))
                else:
                    problem = answer_problem(respondents.answer_kind(path, response.role), fields[path], value)
                    if problem:
                        errors.append(FieldError(field=at, message=problem))
    return errors


def request_model(respondents: Respondents) -> type[Model]:
    """The request body as a type per role, from the declarations: each role's response lists exactly the
    questions it is asked, in its own kind and words, so the API document says what each role may send and
    validation names a question a role is not asked. ``combine`` takes the generic ``CombinedRequest``
    (``as_combined_request``), which a library caller can build directly."""
    models = section_models()
    profile_info = {
        path: models[info.area].model_fields[path.partition(".")[2]] for path, info in profile_fields().items()
    }
    responses: list[Any] = []
    for role in ROLES:
        asked = respondents.asked_of(role)
        sections: dict[str, Any] = {}
        for area in areas():
            in_area = [path for path in asked if profile_fields()[path].area == area]
            if not in_area:
                continue
            members: dict[str, Any] = {}
            for path in in_area:
                wording = respondents.fields[path].asked[role]
                original = profile_info[path]
                if respondents.answer_kind(path, role) == "bool" and profile_fields()[path].kind != "bool":
                    members[path.partition(".")[2]] = (bool | None, Field(None, description=wording))
                else:
                    info = FieldInfo.merge_field_infos(original, description=wording or original.description)
                    members[path.partition(".")[2]] = (original.annotation, info)
            section = create_model(f"{_title(role)}{_title(area)}", __base__=Model, **members)
            sections[area] = (section | None, Field(None))
        answers = create_model(f"{_title(role)}Answers", __base__=Model, **sections)
        extra: dict[str, Any] = {}
        if role == "teacher":
            extra["stage"] = (TeacherStage | None, Field(None, description="Where the teacher is in the shift."))
        responses.append(
            create_model(
                f"{_title(role)}Response",
                __base__=Model,
                role=(Literal[role], Field(description=respondents.roles[role].description)),  # type: ignore[arg-type]
                respondent_id=(
                    str | None,
                    Field(
                        None, max_length=MAX_TEXT, description="For the caller's bookkeeping; never read nor echoed."
                    ),
                ),
                answers=(answers, Field(default_factory=answers)),
                **extra,
            )
        )
    one = Annotated[Union[tuple(responses)], Field(discriminator="role")]  # type: ignore[valid-type]  # noqa: UP007
    return create_model(
        "CombinedResponses",
        __base__=Model,
        school_id=(str | None, Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")),
        name=(str | None, Field(None, max_length=MAX_TEXT, description="Echoed in the answer.")),
        responses=(list[one], Field(min_length=1, max_length=MAX_RESPONSES, description="One entry per respondent.")),  # type: ignore[valid-type]
    )


def as_combined_request(typed: Model, exclude: set[str] | None = None) -> CombinedRequest:
    """A request validated by ``request_model`` in the generic form ``Combiner.combine`` reads (``exclude``: members
    a route adds to the body, such as the day it describes)."""
    return CombinedRequest.model_validate(typed.model_dump(exclude_none=True, exclude=exclude), strict=True)


def _title(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))
