"""Making the generated OpenAPI document state what the service enforces.

Litestar 2.25 drops a lower bound of 0 (``ge=0`` is skipped as falsy), the length
bounds of optional lists and a field's ``json_schema_extra``, writes an optional list's
bound as a string's ``maxLength``, and does not show ``extra="forbid"`` (or that the
service writes an answer's declared members only) as ``additionalProperties: false``.
Nor does it know the answers that middleware gives (401 without a key, 429 past a rate
limit) or that the API takes a key, and it gives no request examples. Clients,
generated forms and contract tests read the document, so these facts are restored once,
before the document is first served or exported.
"""

from __future__ import annotations

import copy
import json
import types
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

import msgspec
from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Link,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
    Tag,
)
from pydantic import BaseModel

from pladvisor.domain import profile
from pladvisor.domain.embeds import MAX_ORIGIN_CHARS, ORIGIN_PATTERN
from pladvisor.domain.problems import Problem

from .embed_tokens import TOKEN_PATTERN

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "ApiKey": SecurityScheme(
        type="apiKey",
        name="X-API-Key",
        security_scheme_in="header",
        description="Needed when the service is configured with keys (PLADVISOR_API_KEYS).",
    ),
    "Bearer": SecurityScheme(type="http", scheme="bearer", description="The same key as a bearer token."),
}
OPTIONAL_KEY: list[dict[str, list[str]]] = [{}, {"ApiKey": []}, {"Bearer": []}]
TAGS = [
    Tag(name="assessments", description="Readiness and explained next steps for one school, many, or two moments."),
    Tag(name="rules", description="The rule catalog: documented points, foundations and every rule."),
    Tag(name="questionnaire", description="The intake questions, as data and as a form."),
    Tag(name="reports", description="Printable HTML pages."),
    Tag(name="service", description="Liveness and readiness."),
    Tag(name="embeds", description="Signed links that show a school's card in a portal's page, without a key."),
]
"""Keys are off by default (a service on 127.0.0.1), so every operation also accepts no key."""
OPEN_OPERATIONS = ("/health", "/schema", "/v1/questionnaire/form", "/embed/")
"""Served without a key, and not rate limited when they are health checks."""
MIDDLEWARE_ANSWERS = {
    "401": "A key is required and missing or wrong.",
    "429": "Past the rate limit, or too many wrong keys from this address; see Retry-After.",
}


EXAMPLE_PROFILE: dict[str, Any] = {
    "school_id": "ridge-07",
    "name": "Ridge Middle School",
    "definition": {"written": False},
    "tools": {"plan_centre": "devices", "purchased_before_goals": ["devices"], "chosen_after_goals": False},
    "professional_development": {"format": "one_off", "days_per_year": 1},
    "buy_in": {"approach": "mandate_all_by_date"},
    "measurement": {"problem_defined": True},
    "vision": {"written_why": False},
}
"""A district that bought devices first, mandates every teacher by a date and has no written definition."""
LATER_PROFILE: dict[str, Any] = {
    **EXAMPLE_PROFILE,
    "definition": {"written": True, "shared_with": ["teachers", "leaders"]},
    "buy_in": {"approach": "readiness_based", "support_at_each_stage": True},
}
EXAMPLE_RESPONSES: dict[str, Any] = {
    "school_id": "oak-01",
    "name": "Oak Primary",
    "responses": [
        {
            "role": "leader",
            "answers": {
                "professional_development": {"format": "ongoing", "timely": True},
                "buy_in": {"approach": "readiness_based", "support_at_each_stage": True},
                "definition": {"written": True, "shared_with": ["teachers", "leaders", "families"]},
            },
        },
        *(
            {
                "role": "teacher",
                "stage": stage,
                "answers": {
                    "professional_development": {"format": "one_off", "timely": False},
                    "buy_in": {"support_at_each_stage": False},
                    "definition": {"shared_with": True},
                },
            }
            for stage in ("exploring", "exploring", "trying", "trying", "practising")
        ),
        *(
            {"role": "student", "answers": {"student_agency": {"goal_setting": goals, "choices": ["where"]}}}
            for goals in (True, False, False, False, True)
        ),
    ],
}
REQUEST_EXAMPLES: dict[str, Any] = {
    "/v1/schools/{school_id}/embeds": {"origins": ["https://portal.example.org"], "view": "card"},
    "/v1/schools/{school_id}/actions": {
        "assessment_id": "an id from POST /v1/schools/{school_id}/assessments",
        "rule_id": "why-missing",
        "owner": "Ms Rivera, assistant principal",
        "due_on": "2026-12-15",
    },
    "/v1/districts": {"name": "North Valley Unified"},
    "/v1/districts/{district_id}/schools": {"name": "Oak Primary", "external_id": "oak-01", "need": 38.5},
    "/v1/schools/{school_id}/assessments": {"assessed_on": "2026-09-15", "profile": EXAMPLE_PROFILE},
    "/v1/assessments": EXAMPLE_PROFILE,
    "/v1/assessments/what-if": EXAMPLE_PROFILE,
    "/v1/rules/{rule_id}/check": EXAMPLE_PROFILE,
    "/v1/assessments/combined": EXAMPLE_RESPONSES,
    "/v1/schools/{school_id}/assessments/combined": {"assessed_on": "2026-09-15", **EXAMPLE_RESPONSES},
    "/v1/reports": EXAMPLE_PROFILE,
    "/v1/assessments/batch": [EXAMPLE_PROFILE, {**LATER_PROFILE, "school_id": "oak-02", "name": "Oak Primary"}],
    "/v1/assessments/compare": {"before": EXAMPLE_PROFILE, "after": LATER_PROFILE},
}


def _problem(description: str) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description,
        content={"application/problem+json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))},
    )


NUMBER_BOUNDS = (
    (Ge, "ge", "minimum"),
    (Le, "le", "maximum"),
    (Gt, "gt", "exclusive_minimum"),
    (Lt, "lt", "exclusive_maximum"),
)
LIST_BOUNDS = ((MinLen, "min_length", "min_items"), (MaxLen, "max_length", "max_items"))


Served = type[BaseModel] | type[msgspec.Struct]


def _models_in(annotation: Any, seen: set[Served]) -> Iterator[Served]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | msgspec.Struct):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                yield from _models_in(field.annotation, seen)
        else:
            for member in msgspec.structs.fields(annotation):
                yield from _models_in(member.type, seen)
    elif get_origin(annotation) is not None or isinstance(annotation, types.UnionType) or annotation is Union:
        for argument in get_args(annotation):
            yield from _models_in(argument, seen)


def served_models(app: Litestar) -> list[Served]:
    """Every model reachable from a handler's body or return type, and from documented responses."""
    seen: set[Served] = set()
    found: list[Served] = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            signature = handler.parsed_fn_signature
            roots = [signature.return_type.annotation]
            if "data" in signature.parameters:
                roots.append(signature.parameters["data"].annotation)
            roots += [spec.data_container for spec in (handler.responses or {}).values()]
            for root in roots:
                found.extend(_models_in(root, seen))
    return found


PATCH_EXAMPLES: dict[str, Any] = {
    "/v1/schools/{school_id}/actions/{action_id}": {"status": "done"},
}


def _document_examples(app: Litestar) -> None:
    paths = app.openapi_schema.paths or {}
    for method, examples in (("post", REQUEST_EXAMPLES), ("patch", PATCH_EXAMPLES)):
        for path, example in examples.items():
            operation = getattr(paths[path], method)
            if operation is not None and isinstance(operation.request_body, RequestBody):
                for media in operation.request_body.content.values():
                    media.example = example


def _operations(app: Litestar) -> Iterator[tuple[str, Operation]]:
    for path, item in (app.openapi_schema.paths or {}).items():
        for method in ("get", "post", "put", "patch", "delete", "head"):
            operation = getattr(item, method, None)
            if operation is not None:
                yield path, operation


def _document_access(app: Litestar) -> None:
    for path, operation in _operations(app):
        responses = operation.responses if operation.responses is not None else {}
        default_400 = responses.get("400")
        if isinstance(default_400, OpenAPIResponse) and "application/json" in (default_400.content or {}):
            # Litestar's own description of a bad path or query parameter; the service answers it as a problem.
            responses["400"] = _problem("A path or query parameter is not valid.")
        if not operation.description:
            operation.description = operation.summary
        if not path.startswith(OPEN_OPERATIONS):
            operation.security = OPTIONAL_KEY
            for status, description in MIDDLEWARE_ANSWERS.items():
                responses.setdefault(status, _problem(description))
        operation.responses = responses


@cache
def _choice_names() -> dict[frozenset[str], str]:
    """The name of each closed choice of the profile, as its module spells it (``BuyInApproach``)."""
    return {
        frozenset(get_args(value)): name
        for name, value in vars(profile).items()
        if get_origin(value) is Literal and all(isinstance(v, str) for v in get_args(value))
    }


def _named_choice(values: Sequence[Any], schemas: dict[str, Any]) -> Reference | None:
    name = _choice_names().get(frozenset(v for v in values if v is not None))
    if name is None:
        return None
    schemas.setdefault(name, Schema(type=OpenAPIType.STRING, enum=[v for v in values if v is not None]))
    return Reference(ref=f"#/components/schemas/{name}")


def _name_choices(prop: Schema, schemas: dict[str, Any]) -> None:
    """Every closed choice of the profile as one named enum: a nullable one as ``oneOf: [$ref, null]`` like the
    other nullable fields (Litestar writes it as a type list instead), a list's items as the ``$ref``. A
    client generator then makes one class per choice."""
    if isinstance(prop.type, list) and OpenAPIType.NULL in prop.type and prop.enum:
        named = _named_choice(prop.enum, schemas)
        if named is not None:
            prop.one_of = [named, Schema(type=OpenAPIType.NULL)]
            prop.type = None
            prop.enum = None
    for branch in prop.one_of or []:
        if isinstance(branch, Schema) and isinstance(branch.items, Schema) and branch.items.enum:
            named = _named_choice(branch.items.enum, schemas)
            if named is not None:
                branch.items = named


LINKS: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("/v1/districts", "post"): {
        "GetDistrict": ("V1DistrictsDistrictIdOne", "district_id", "$response.body#/id"),
        "AddSchool": ("V1DistrictsDistrictIdSchoolsAddSchool", "district_id", "$response.body#/id"),
        "Rollout": ("V1DistrictsDistrictIdRolloutRollout", "district_id", "$response.body#/id"),
    },
    ("/v1/districts/{district_id}/schools", "post"): {
        "GetSchool": ("V1SchoolsSchoolIdOne", "school_id", "$response.body#/id"),
        "StoreAssessment": ("V1SchoolsSchoolIdAssessmentsStoreAssessment", "school_id", "$response.body#/id"),
        "History": ("V1SchoolsSchoolIdAssessmentsHistory", "school_id", "$response.body#/id"),
        "Progress": ("V1SchoolsSchoolIdProgressProgress", "school_id", "$response.body#/id"),
    },
    ("/v1/schools/{school_id}/assessments", "post"): {
        "History": ("V1SchoolsSchoolIdAssessmentsHistory", "school_id", "$response.body#/school_id"),
        "Progress": ("V1SchoolsSchoolIdProgressProgress", "school_id", "$response.body#/school_id"),
    },
}
"""What a client can do next with what it created: the ids a creation answers, as the next operations' path
parameters (OpenAPI links; the contract tests follow them from creation to reading)."""


def _document_links(app: Litestar) -> None:
    paths = app.openapi_schema.paths or {}
    for (path, method), links in LINKS.items():
        operation = getattr(paths[path], method)
        response = (operation.responses or {}).get("201") if operation is not None else None
        if isinstance(response, OpenAPIResponse):
            response.links = {
                name: Link(operation_id=target, parameters={parameter: expression})
                for name, (target, parameter, expression) in links.items()
            }


def _document_embeds(app: Litestar) -> None:
    """``/embed/{token}`` answers the card page, and ``/embed/{token}.json`` the card as JSON. Litestar routes whole
    path segments, so one handler serves both; the document gives each its own path and answers."""
    paths = app.openapi_schema.paths or {}
    page = paths["/embed/{token}"].get
    assert page is not None and page.responses is not None
    card = copy.deepcopy(page)
    card.operation_id = "EmbedTokenJson"
    card.summary = card.description = "A school's card as JSON through an embed link"
    card.description = (
        "What the <pladvisor-card> element reads. Access-Control-Allow-Origin names the request's Origin when "
        "it is one of the link's origins, and is absent otherwise."
    )
    html = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
    page.responses["200"] = OpenAPIResponse(
        description="The card page, or the printable report.", content={"text/html": html}
    )
    for status in ("404", "410"):
        refused = page.responses[status]
        assert isinstance(refused, OpenAPIResponse)
        page.responses[status] = OpenAPIResponse(description=refused.description, content={"text/html": html})
    for operation in (page, card):
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and isinstance(parameter.schema, Schema):
                parameter.schema.pattern = TOKEN_PATTERN
    paths["/embed/{token}.json"] = PathItem(get=card)
    script = paths["/embed/pladvisor-card.js"].get
    assert script is not None
    for read in (page, card, script):
        assert read.responses is not None
        read.responses["429"] = _problem("Too many embed reads from this address; try again later.")
    new = (app.openapi_schema.components.schemas or {})["NewEmbed"]
    assert isinstance(new, Schema) and new.properties is not None
    origins = new.properties["origins"]
    assert isinstance(origins, Schema) and isinstance(origins.items, Schema)
    origins.items.pattern, origins.items.max_length = ORIGIN_PATTERN, MAX_ORIGIN_CHARS


def tighten(app: Litestar) -> None:
    # A handler with several paths lists them as a set, so their order changed from run to run; sorted, the
    # exported document changes only when the API does.
    _document_embeds(app)
    app.openapi_schema.paths = dict(sorted((app.openapi_schema.paths or {}).items()))
    _document_access(app)
    _document_examples(app)
    _document_links(app)
    schemas = app.openapi_schema.components.schemas or {}
    for model in served_models(app):
        schema = schemas.get(model.__name__)
        if not isinstance(schema, Schema) or not schema.properties:
            continue
        if not issubclass(model, BaseModel):
            # An answer's part: Litestar reads its bounds from msgspec's Meta, but not that the service writes
            # no other member. A problem may carry further members (RFC 9457).
            schema.additional_properties = None if model is Problem else False
            continue
        if model.model_config.get("extra") == "forbid":
            schema.additional_properties = False
        for name, field in model.model_fields.items():
            prop = schema.properties.get(name)
            if not isinstance(prop, Schema):
                continue
            is_list = "array" in json.dumps(prop.to_schema())
            if is_list:
                prop.max_length = None  # an optional list's bound, written as if the field were a string
            for metadata in field.metadata:
                for kind, attribute, key in LIST_BOUNDS if is_list else NUMBER_BOUNDS:
                    if isinstance(metadata, kind) and getattr(prop, key) is None:
                        setattr(prop, key, getattr(metadata, attribute))
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            aliases = prop.field_aliases()
            for key, value in extra.items():
                setattr(prop, aliases.get(key, key), value)
            _name_choices(prop, schemas)
