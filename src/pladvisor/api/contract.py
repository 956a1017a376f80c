"""Making the generated OpenAPI document state what the models enforce.

Litestar 2.25 drops a lower bound of 0 (``ge=0`` is skipped as falsy), the length
bounds of optional lists and a field's ``json_schema_extra``, and does not show
``extra="forbid"`` as ``additionalProperties: false``. Clients, generated forms and
contract tests read the document, so these facts are restored from the pydantic models
once, before the document is first served or exported.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import Schema
from pydantic import BaseModel

NUMBER_BOUNDS = (
    (Ge, "ge", "minimum"), (Le, "le", "maximum"), (Gt, "gt", "exclusive_minimum"), (Lt, "lt", "exclusive_maximum")
)
LIST_BOUNDS = ((MinLen, "min_length", "min_items"), (MaxLen, "max_length", "max_items"))


def _models_in(annotation: Any, seen: set[type[BaseModel]]) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation, seen)
    elif get_origin(annotation) is not None or isinstance(annotation, types.UnionType) or annotation is Union:
        for argument in get_args(annotation):
            yield from _models_in(argument, seen)


def served_models(app: Litestar) -> list[type[BaseModel]]:
    """Every pydantic model reachable from a handler's body or return type, and from documented responses."""
    seen: set[type[BaseModel]] = set()
    found: list[type[BaseModel]] = []
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


def tighten(app: Litestar) -> None:
    schemas = app.openapi_schema.components.schemas or {}
    for model in served_models(app):
        schema = schemas.get(model.__name__)
        if not isinstance(schema, Schema) or not schema.properties:
            continue
        if model.model_config.get("extra") == "forbid":
            schema.additional_properties = False
        for name, field in model.model_fields.items():
            prop = schema.properties.get(name)
            if not isinstance(prop, Schema):
                continue
            is_list = "array" in json.dumps(prop.to_schema())
            for metadata in field.metadata:
                for kind, attribute, key in LIST_BOUNDS if is_list else NUMBER_BOUNDS:
                    if isinstance(metadata, kind) and getattr(prop, key) is None:
                        setattr(prop, key, getattr(metadata, attribute))
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            aliases = prop.field_aliases()
            for key, value in extra.items():
                setattr(prop, aliases.get(key, key), value)
