"""The API reference pages, written from ``openapi/openapi.json`` each time the site is built.

The checked-in document is the contract (a test holds it to what the service serves), so the reference is
made from it rather than kept by hand beside it, and it cannot fall behind. Nothing is fetched: the pages are
plain Markdown, rendered like every other page of the site.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

DOCUMENT = Path("openapi") / "openapi.json"
OPERATIONS_PAGE = "api/reference.md"
SCHEMAS_PAGE = "api/schemas.md"
METHODS = ("get", "head", "post", "put", "patch", "delete")

_CODE_SPAN = re.compile(r"(`[^`]*`)")

Node = Mapping[str, Any]


def resolve(document: Node, node: Node) -> Node:
    """``node``, or what its local ``$ref`` points to, followed until it is no reference."""
    while "$ref" in node:
        reference = str(node["$ref"])
        if not reference.startswith("#/"):
            raise ValueError(f"only references within the document are read: {reference}")
        target: Any = document
        for part in reference[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def text(value: object) -> str:
    """Prose from the document, safe on one line of a Markdown table: angle brackets and pipes are escaped,
    except inside code spans, which show them as they are."""
    parts = _CODE_SPAN.split(" ".join(str(value).split()))
    return "".join(
        part
        if part.startswith("`")
        else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
        for part in parts
    )


def literal(value: object) -> str:
    """A value of the document as code: a string as it is written, anything else as JSON."""
    return f"`{value}`" if isinstance(value, str) else f"`{json.dumps(value)}`"


def anchor(name: str) -> str:
    return "schema-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def schema_type(document: Node, schema: Node, schemas_link: str) -> str:
    """A schema in a few words, each named schema linked to its entry on the schemas page."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f"[`{name}`]({schemas_link}#{anchor(name)})"
    for combinator, joiner in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if combinator in schema:
            return joiner.join(schema_type(document, option, schemas_link) for option in schema[combinator])
    if "const" in schema:
        return literal(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(literal(value) for value in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(schema_type(document, {**schema, "type": one}, schemas_link) for one in kind)
    if kind == "array":
        return "array of " + schema_type(document, schema.get("items", {}), schemas_link)
    if kind == "object" and isinstance(schema.get("additionalProperties"), Mapping):
        return "object of " + schema_type(document, schema["additionalProperties"], schemas_link)
    if kind is None:
        return "any value"
    return f"{kind} ({schema['format']})" if "format" in schema else str(kind)


def _operations(document: Node) -> Iterator[tuple[str, str, str, Node]]:
    """Every operation as (tag, method, path, operation), in the document's order."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tags = operation.get("tags") or ["other"]
                yield str(tags[0]), method, path, operation


def _parameters(document: Node, shared: list[Node], operation: Node, schemas_link: str) -> list[str]:
    parameters = [resolve(document, parameter) for parameter in [*shared, *operation.get("parameters", [])]]
    if not parameters:
        return []
    rows = ["| Name | In | Required | Type | Description |", "|---|---|---|---|---|"]
    for parameter in parameters:
        schema = parameter.get("schema", {})
        default = f" Default: {literal(schema['default'])}." if "default" in schema else ""
        rows.append(
            f"| `{parameter['name']}` | {parameter['in']} | {'yes' if parameter.get('required') else 'no'} "
            f"| {schema_type(document, schema, schemas_link)} "
            f"| {text(parameter.get('description', ''))}{default} |"
        )
    return ["**Parameters**", "", *rows, ""]


def _content(document: Node, content: Node, schemas_link: str) -> str:
    described = []
    for media, entry in content.items():
        schema = entry.get("schema")
        described.append(f"`{media}`: {schema_type(document, schema, schemas_link)}" if schema else f"`{media}`")
    return "; ".join(described)


def _request_body(document: Node, operation: Node, schemas_link: str) -> list[str]:
    if "requestBody" not in operation:
        return []
    body = resolve(document, operation["requestBody"])
    required = " (required)" if body.get("required") else ""
    return [f"**Request body**{required}: {_content(document, body.get('content', {}), schemas_link)}", ""]


def _responses(document: Node, operation: Node, schemas_link: str) -> list[str]:
    rows = ["| Status | Description | Body | Headers |", "|---|---|---|---|"]
    for status, declared in sorted(operation.get("responses", {}).items()):
        response = resolve(document, declared)
        headers = ", ".join(f"`{name}`" for name in response.get("headers", {}))
        rows.append(
            f"| {status} | {text(response.get('description', ''))} "
            f"| {_content(document, response.get('content', {}), schemas_link)} | {headers} |"
        )
    return ["**Responses**", "", *rows, ""]


def render_operations(document: Node, schemas_link: str) -> str:
    """The operations page: each operation under its first tag, with its method, path, summary, parameters,
    request body and responses."""
    info = document.get("info", {})
    lines = [
        "# API reference",
        "",
        f"Every operation of {text(info.get('title', 'the service'))} {text(info.get('version', ''))}, written "
        "from `openapi/openapi.json` when this site is built. The service serves the same document at "
        "`/schema/openapi.json`; the shapes of the bodies are on the [schemas page]"
        f"({schemas_link}).",
        "",
    ]
    schemes = document.get("components", {}).get("securitySchemes", {})
    if schemes:
        lines += ["## Authentication", ""]
        for name, declared in schemes.items():
            scheme = resolve(document, declared)
            where = f"header `{scheme['name']}`" if scheme.get("type") == "apiKey" else f"`{scheme.get('scheme')}`"
            lines.append(f"- **{text(name)}** ({where}): {text(scheme.get('description', ''))}")
        lines.append("")
    grouped: dict[str, list[tuple[str, str, Node]]] = {}
    for tag, method, path, operation in _operations(document):
        grouped.setdefault(tag, []).append((method, path, operation))
    described = {str(tag["name"]): str(tag.get("description", "")) for tag in document.get("tags", [])}
    order = [tag for tag in described if tag in grouped] + sorted(grouped.keys() - described.keys())
    for tag in order:
        lines += [f"## {text(tag.capitalize())}", ""]
        if described.get(tag):
            lines += [text(described[tag]), ""]
        for method, path, operation in grouped[tag]:
            summary = str(operation.get("summary", ""))
            lines += [f"### `{method.upper()} {path}`", "", f"**{text(summary)}**", ""]
            description = str(operation.get("description", ""))
            if description and description != summary:
                lines += [text(description), ""]
            shared = document["paths"][path].get("parameters", [])
            lines += _parameters(document, shared, operation, schemas_link)
            lines += _request_body(document, operation, schemas_link)
            lines += _responses(document, operation, schemas_link)
    return "\n".join(lines)


def render_schemas(document: Node) -> str:
    """The schemas page: each named schema with its description and its properties."""
    lines = [
        "# API schemas",
        "",
        "The shapes of what the service takes and answers, as `openapi/openapi.json` declares them. A property "
        "that is not required may be left out.",
        "",
    ]
    for name, declared in sorted(document.get("components", {}).get("schemas", {}).items()):
        schema = resolve(document, declared)
        lines += [f"## `{name}` {{#{anchor(name)}}}", ""]
        if schema.get("description"):
            lines += [text(schema["description"]), ""]
        properties = schema.get("properties", {})
        if not properties:
            lines += [f"Type: {schema_type(document, schema, '')}", ""]
            continue
        required = set(schema.get("required", []))
        lines += ["| Property | Required | Type | Description |", "|---|---|---|---|"]
        for prop, value in properties.items():
            lines.append(
                f"| `{prop}` | {'yes' if prop in required else 'no'} | {schema_type(document, value, '')} "
                f"| {text(value.get('description', ''))} |"
            )
        lines.append("")
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the two generated pages to the site, so the nav can name them like any written page."""
    # Imported here, when mkdocs runs the hook, so that the pages can be rendered (and tested) without mkdocs.
    from mkdocs.structure.files import File

    root = Path(config.config_file_path).parent
    document = json.loads((root / DOCUMENT).read_text(encoding="utf-8"))
    schemas_link = Path(SCHEMAS_PAGE).name
    files.append(File.generated(config, OPERATIONS_PAGE, content=render_operations(document, schemas_link)))
    files.append(File.generated(config, SCHEMAS_PAGE, content=render_schemas(document)))
    return files
