"""``GET /docs``: the API reference, Swagger UI reading the service's own OpenAPI document.

Swagger UI's files come with the ``swagger-ui-py`` package and are served by the service itself, so the page
loads nothing from elsewhere: its policy allows the service's own scripts and stylesheets and nothing else
(``page_headers.OWN_ASSETS``). Like the document, the page and its files hold no data, so they need no key.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import MediaType, Response, get
from litestar.response import File, Redirect
from litestar.types import ControllerRouterHandler

from .page_headers import OWN_ASSETS
from .paths import PathId
from .problems import not_found

PATH = "/docs"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PAGE = (TEMPLATES / "api_docs.html").read_bytes()


def _swagger_ui() -> Path:
    """The package's folder of Swagger UI files, found without importing the package, which would look for the
    web frameworks it knows."""
    spec = importlib.util.find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is a dependency of the service"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (_swagger_ui() / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (_swagger_ui() / "swagger-ui.css", "text/css"),
    "favicon-32x32.png": (_swagger_ui() / "favicon-32x32.png", "image/png"),
    "api-docs.js": (TEMPLATES / "api-docs.js", "text/javascript"),
}
"""The files the page loads, by the name it loads them under; no other file of the package is served."""
ASSET_HEADERS = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}


# Not operations of the API, and served without a key (``exclude_from_auth``): the reference holds no data.
@get(PATH, media_type=MediaType.HTML, include_in_schema=False, exclude_from_auth=True)
async def api_docs() -> Response[bytes]:
    return Response(PAGE, media_type=MediaType.HTML, headers={OWN_ASSETS: "1"})


@get(f"{PATH}/{{name:str}}", include_in_schema=False, exclude_from_auth=True)
async def api_docs_asset(name: PathId) -> File:
    if name not in ASSETS:
        raise not_found("File", f"The API reference has no file {name!r}.")
    path, media_type = ASSETS[name]
    return File(path, media_type=media_type, content_disposition_type="inline", headers=ASSET_HEADERS)


@get("/schema/swagger", include_in_schema=False, exclude_from_auth=True)
async def swagger_page() -> Redirect:
    """Where Litestar serves its Swagger page, which would load its files from a public CDN: here, the API
    reference that the service serves itself."""
    return Redirect(PATH, status_code=301)


DOCS_HANDLERS: list[ControllerRouterHandler] = [api_docs, api_docs_asset, swagger_page]
