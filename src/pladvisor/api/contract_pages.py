"""The parts of the API document about pages a browser opens without a key: embed pages and respondents'
survey pages. Litestar documents a handler's every answer as the handler's own media type or as a problem; these
pages answer HTML even when they refuse, take a form rather than JSON, and one handler serves two paths."""

from __future__ import annotations

import copy

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
)

from pladvisor.domain.embeds import MAX_ORIGIN_CHARS, ORIGIN_PATTERN
from pladvisor.domain.surveys import LANGUAGE_PATTERN

from .embed_tokens import TOKEN_PATTERN

HTML = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


def documented_problem(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={"application/problem+json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))},
    )


def _page(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(description=description, content={"text/html": HTML})


def _as_pages(operation: Operation, *statuses: str) -> None:
    """The answers of ``statuses``, documented as problems by their handler, as the HTML pages they are."""
    assert operation.responses is not None
    for status in statuses:
        refused = operation.responses[status]
        assert isinstance(refused, OpenAPIResponse)
        operation.responses[status] = _page(refused.description)


def document_pages(app: Litestar) -> None:
    _document_embeds(app)
    _document_survey_pages(app)


def _document_embeds(app: Litestar) -> None:
    """``/embed/{token}`` answers the card page, and ``/embed/{token}.json`` the card as JSON. Litestar routes whole
    path segments, so one handler serves both; the document gives each its own path and answers."""
    paths = app.openapi_schema.paths or {}
    page = paths["/embed/{token}"].get
    assert page is not None and page.responses is not None
    card = copy.deepcopy(page)
    card.operation_id = "getEmbedCard"
    card.summary = card.description = "A school's card as JSON through an embed link"
    card.description = (
        "What the <pladvisor-card> element reads. Access-Control-Allow-Origin names the request's Origin when "
        "it is one of the link's origins, and is absent otherwise."
    )
    page.responses["200"] = _page("The card page, or the printable report.")
    _as_pages(page, "404", "410")
    for operation in (page, card):
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and isinstance(parameter.schema, Schema):
                parameter.schema.pattern = TOKEN_PATTERN
    paths["/embed/{token}.json"] = PathItem(get=card)
    script = paths["/embed/pladvisor-card.js"].get
    assert script is not None
    for read in (page, card, script):
        assert read.responses is not None
        read.responses["429"] = documented_problem("Too many embed reads from this address; try again later.")
    new = (app.openapi_schema.components.schemas or {})["NewEmbed"]
    assert isinstance(new, Schema) and new.properties is not None
    origins = new.properties["origins"]
    assert isinstance(origins, Schema) and isinstance(origins.items, Schema)
    origins.items.pattern, origins.items.max_length = ORIGIN_PATTERN, MAX_ORIGIN_CHARS


def _document_survey_pages(app: Litestar) -> None:
    """The respondent's form is sent as a browser sends any form: each question's dotted path as a field name,
    several values for a question of several choices. The questions are the role's, so the body is described
    by its encoding and bounds, not by a schema of its fields."""
    paths = app.openapi_schema.paths or {}
    form, answer = paths["/s/{token}"].get, paths["/s/{token}"].post
    assert form is not None and answer is not None
    _as_pages(form, "404", "410")
    _as_pages(answer, "403", "404", "410", "413", "422")
    assert form.responses is not None and answer.responses is not None
    form.responses["422"] = documented_problem("The language asked for is not a language code.")
    answer.responses["429"] = documented_problem("Too many answers from this address; try again later.")
    new = (app.openapi_schema.components.schemas or {})["NewSurvey"]
    assert isinstance(new, Schema) and new.properties is not None
    languages = new.properties["languages"]
    assert isinstance(languages, Schema) and isinstance(languages.items, Schema)
    languages.items.pattern = LANGUAGE_PATTERN
    answer.request_body = RequestBody(
        required=True,
        description="The form's answers, as the page sends them: each question's dotted path (buy_in.approach) "
        "as a field, once for each choice of a question that takes several.",
        content={
            "application/x-www-form-urlencoded": OpenAPIMediaType(
                schema=Schema(
                    type=OpenAPIType.OBJECT,
                    additional_properties=Schema(
                        one_of=[
                            Schema(type=OpenAPIType.STRING),
                            Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING)),
                        ]
                    ),
                )
            )
        },
    )
