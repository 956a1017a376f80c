"""Making the generated OpenAPI document state what the service enforces.

Litestar 2.25 drops a lower bound of 0 (``ge=0`` is skipped as falsy), the length
bounds of optional lists and a field's ``json_schema_extra``, writes an optional list's
bound as a string's ``maxLength``, and does not show ``extra="forbid"`` (or that the
service writes an answer's declared members only) as ``additionalProperties: false``.
Nor does it know the answers that middleware and the server give (401 without a key, 429
past a rate limit, 431 for an oversized request head, 503 at the connection cap), the
headers every answer carries (X-Request-ID, Retry-After, a creation's Location) or that the
API takes a key, and it gives no request examples. It writes each closed choice inline
wherever it is used, so client generators made a class per use. Clients, generated forms
and contract tests read the document, so these facts are restored once, before the
document is first served or exported.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import types
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin

import msgspec
from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Link,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
    Tag,
)
from litestar.types import Method, OperationIDCreator
from litestar.types.internal_types import PathParameterDefinition
from pydantic import BaseModel

import pladvisor.domain
from pladvisor.domain.problems import Problem

from .contract_examples import document_examples
from .contract_pages import document_pages, documented_problem
from .server import MAX_HEAD_BYTES
from .service import ACCEPTABLE_ID

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
    Tag(
        name="surveys",
        description="A school's survey: a link for each respondent, response rates per role, and the team's consensus.",
    ),
]
"""Keys are off by default (a service on 127.0.0.1), so every operation also accepts no key."""
OPEN_OPERATIONS = ("/health", "/schema", "/v1/questionnaire/form", "/embed/", "/s/")
"""Served without a key, and not rate limited when they are health checks."""
MIDDLEWARE_ANSWERS = {
    "401": "A key is required and missing or wrong.",
    "429": "Past the rate limit, or too many wrong keys from this address; see Retry-After.",
}


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
            responses["400"] = documented_problem("A path or query parameter is not valid.")
        if not operation.description:
            operation.description = operation.summary
        if not path.startswith(OPEN_OPERATIONS):
            operation.security = OPTIONAL_KEY
            for status, description in MIDDLEWARE_ANSWERS.items():
                responses.setdefault(status, documented_problem(description))
        operation.responses = responses


RENAMED_CHOICES = {"Readiness": "ReadinessGroup"}
"""A closed choice whose own name is a model's too (a roll-out's readiness group; ``Readiness``, the assessment's
readiness), under the name the document gives it instead."""


@cache
def _choice_names() -> dict[frozenset[str], tuple[str, tuple[str, ...]]]:
    """Each closed choice of the domain (a ``Literal`` of strings named in a ``pladvisor.domain`` module, such as
    ``Stage`` or ``BuyInApproach``) by its values: its name and its values in their declared order. A set of
    values two names share is left out, as is a single value (written as a ``const``, not a choice)."""
    named: dict[frozenset[str], set[tuple[str, tuple[str, ...]]]] = {}
    for module in pkgutil.iter_modules(pladvisor.domain.__path__):
        for name, value in vars(importlib.import_module(f"pladvisor.domain.{module.name}")).items():
            values = get_args(value)
            if get_origin(value) is Literal and len(values) > 1 and all(isinstance(v, str) for v in values):
                named.setdefault(frozenset(values), set()).add((RENAMED_CHOICES.get(name, name), values))
    return {values: next(iter(names)) for values, names in named.items() if len({n for n, _ in names}) == 1}


def _named(node: Schema | Reference, schemas: dict[str, Schema]) -> Schema | Reference:
    """``node``, with every closed choice in it (itself included) replaced by a ``$ref`` to the choice's one named
    schema: a nullable one as ``oneOf: [$ref, null]`` like the other nullable fields, one with a default as
    ``allOf: [$ref]`` beside it."""
    if not isinstance(node, Schema):
        return node
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, Schema):
            setattr(node, field.name, _named(value, schemas))
        elif isinstance(value, list):
            setattr(node, field.name, [_named(v, schemas) if isinstance(v, Schema) else v for v in value])
        elif isinstance(value, dict):
            value.update({k: _named(v, schemas) for k, v in value.items() if isinstance(v, Schema)})
    found = _choice_names().get(frozenset(v for v in node.enum or () if v is not None))
    if found is None:
        return node
    name, values = found
    if schemas.setdefault(name, Schema(type=OpenAPIType.STRING, enum=list(values))).enum != list(values):
        return node  # a model of that name: the choice stays where it is, and the contract tests say so
    reference = Reference(ref=f"#/components/schemas/{name}")
    nullable = None in (node.enum or ())
    node.type = node.enum = None
    if nullable:
        node.one_of = [reference, Schema(type=OpenAPIType.NULL)]
        return node
    if node.default is None:
        return Reference(ref=reference.ref, description=node.description)
    node.all_of = [reference]
    return node


def _name_choices(app: Litestar) -> None:
    """Every closed choice of the domain as one named schema, referenced wherever it is used: Litestar writes it
    again at each use, and a client generator then made a class per use (eight ``Stage`` enums)."""
    schemas = app.openapi_schema.components.schemas
    assert schemas is not None
    for schema in list(schemas.values()):
        if not schema.enum:
            _named(schema, schemas)  # a model: its members' choices are replaced, the model itself stays
    for _, operation in _operations(app):
        for parameter in operation.parameters or []:
            if isinstance(parameter, Parameter) and parameter.schema is not None:
                parameter.schema = _named(parameter.schema, schemas)
        contents = [r.content or {} for r in (operation.responses or {}).values() if isinstance(r, OpenAPIResponse)]
        if isinstance(operation.request_body, RequestBody):
            contents.append(operation.request_body.content)
        for media in (m for content in contents for m in content.values()):
            if media.schema is not None:
                media.schema = _named(media.schema, schemas)


LINKS: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {
    ("/v1/districts", "post"): {
        "GetDistrict": ("getDistrict", "district_id", "$response.body#/id"),
        "AddSchool": ("addSchool", "district_id", "$response.body#/id"),
        "Rollout": ("getRollout", "district_id", "$response.body#/id"),
    },
    ("/v1/districts/{district_id}/schools", "post"): {
        "GetSchool": ("getSchool", "school_id", "$response.body#/id"),
        "StoreAssessment": ("storeAssessment", "school_id", "$response.body#/id"),
        "History": ("listSchoolAssessments", "school_id", "$response.body#/id"),
        "Progress": ("getSchoolProgress", "school_id", "$response.body#/id"),
    },
    ("/v1/schools/{school_id}/assessments", "post"): {
        "History": ("listSchoolAssessments", "school_id", "$response.body#/school_id"),
        "Progress": ("getSchoolProgress", "school_id", "$response.body#/school_id"),
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


def per_path(ids: Mapping[str, str]) -> OperationIDCreator:
    """An ``operation_id`` for a handler served at several paths (``/health`` and ``/health/live``): each path's
    operation its own id, as the document needs."""

    def operation_id(_: HTTPRouteHandler, __: Method, components: list[str | PathParameterDefinition]) -> str:
        path = "/" + "/".join(c if isinstance(c, str) else "{" + c.name + "}" for c in components)
        return ids[path]

    return operation_id


REQUEST_ID = "X-Request-ID"
RETRY_AFTER = "Retry-After"
LOCATION = "Location"
HEADERS: dict[str, OpenAPIHeader | Reference] = {
    REQUEST_ID: OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING, pattern=ACCEPTABLE_ID.pattern),
        description="The request's id: the X-Request-ID it was sent with, when acceptable, or one the service made. "
        "The service's log line for the request carries the same id. Every answer of the service has it; the two "
        "refusals the server gives before a request reaches the service (431, and 503 at the connection cap) do "
        "not.",
    ),
    RETRY_AFTER: OpenAPIHeader(
        schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
        description="Seconds to wait before sending the request again.",
    ),
    LOCATION: OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.URI_REFERENCE),
        required=True,
        description="Where the new resource is: its path on this service.",
    ),
}
PARAMETERS: dict[str, Parameter | Reference] = {
    "RequestId": Parameter(
        name=REQUEST_ID,
        param_in="header",
        required=False,
        # Any value is taken: one the service does not keep is replaced, never refused.
        schema=Schema(type=OpenAPIType.STRING),
        description="An id of the caller's own for this request, to find it in the service's log: at most 128 "
        "letters, digits and . _ : -. The answer's X-Request-ID repeats it; any other value is replaced by one "
        "the service makes.",
    ),
}
SERVER_ANSWERS: dict[str, tuple[str, str]] = {
    "431": ("HeadTooLarge", f"The request's head (its line and headers) is larger than {MAX_HEAD_BYTES} bytes."),
    "503": ("AtCapacity", "The server has as many connections open as it takes; try again after Retry-After."),
}
"""What the server (``pladvisor serve``) answers before a request reaches the service, whatever the operation."""


def _header(name: str) -> Reference:
    return Reference(ref=f"#/components/headers/{name}")


def _document_transport(app: Litestar) -> None:
    """The headers every answer carries (X-Request-ID; Retry-After on a 429 or 503; Location on a 201) and the
    server's own refusals, as shared components each operation refers to."""
    components = app.openapi_schema.components
    components.headers = HEADERS
    components.parameters = PARAMETERS
    components.responses = {}
    for status, (name, description) in SERVER_ANSWERS.items():
        refusal = documented_problem(description)
        refusal.headers = {RETRY_AFTER: _header(RETRY_AFTER)} if status == "503" else None
        components.responses[name] = refusal
    for _, operation in _operations(app):
        operation.parameters = [*(operation.parameters or []), Reference(ref="#/components/parameters/RequestId")]
        responses = operation.responses if operation.responses is not None else {}
        for status, response in responses.items():
            if isinstance(response, OpenAPIResponse):
                headers = dict(response.headers or {})
                headers[REQUEST_ID] = _header(REQUEST_ID)
                if status in ("429", "503"):
                    headers[RETRY_AFTER] = _header(RETRY_AFTER)
                if status == "201":
                    headers[LOCATION] = _header(LOCATION)
                response.headers = headers
        for status, (name, _) in SERVER_ANSWERS.items():
            responses.setdefault(status, Reference(ref=f"#/components/responses/{name}"))
        operation.responses = responses


def _as_mapping(prop: Schema, annotation: Any) -> None:
    """A body member keyed by a choice (``dict[Role, RoleRoster]``), which Litestar writes as an array of keys and
    values: an object, each key one of the choices and each value the model."""
    key, value = get_args(annotation)
    prop.type, prop.items = OpenAPIType.OBJECT, None
    prop.min_properties, prop.min_items, prop.min_length = prop.min_items or prop.min_length, None, None
    prop.property_names = Schema(type=OpenAPIType.STRING, enum=list(get_args(key)))
    prop.additional_properties = Reference(ref=f"#/components/schemas/{value.__name__}")


def tighten(app: Litestar) -> None:
    # A handler with several paths lists them as a set, so their order changed from run to run; sorted, the
    # exported document changes only when the API does.
    document_pages(app)
    app.openapi_schema.paths = dict(sorted((app.openapi_schema.paths or {}).items()))
    _document_access(app)
    document_examples(app)
    _document_links(app)
    _document_transport(app)
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
            if get_origin(field.annotation) is dict and prop.type == OpenAPIType.ARRAY:
                _as_mapping(prop, field.annotation)
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
    _name_choices(app)
