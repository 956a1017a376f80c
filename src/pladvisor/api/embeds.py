"""Embed links: made, listed and revoked with the organization's key; read by a portal's visitors without one.

``GET /embed/{token}`` is framed by a portal's page, ``GET /embed/{token}.json`` is read by the
``<pladvisor-card>`` element in it. Either shows the school's latest stored assessment as the link's card,
to the link's origins only (``frame-ancestors``, CORS), with no cookie, and nothing about the school when the
token is not good: altered, expired, revoked or its link gone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, Parameter
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from pladvisor.advice.card import card
from pladvisor.domain.assessment import Assessment
from pladvisor.domain.embeds import EmbedCard, EmbedOut, NewEmbed
from pladvisor.domain.problems import FieldError
from pladvisor.reports import EMBED_CARD, REPORT, environment, report_context
from pladvisor.storage.embeds import Link

from .embed_tokens import Terms, read, sign
from .metrics import EMBED_READS
from .page_headers import FRAME_ANCESTORS
from .paths import PathId
from .problems import BAD_BODY, invalid_body, not_found, problem, problem_response
from .stored import MISSING, UNAVAILABLE, created, scoped, store_of

CARD_SCRIPT = (Path(__file__).resolve().parents[1] / "templates" / "pladvisor-card.js").read_bytes()
OFF = {503: problem_response(503, "Embedding is off: the service has no PLADVISOR_EMBED_SECRET.")}
NO_CARD = "This link is not valid. Ask whoever gave it to you for a new one."
CARD_GONE = "This link has expired or was withdrawn. Ask whoever gave it to you for a new one."


def _secret(state: State) -> bytes:
    secret: bytes | None = state.embed_secret
    if secret is None:
        raise problem(
            503,
            "embedding-off",
            "Embedding is off",
            "Set PLADVISOR_EMBED_SECRET (or PLADVISOR_EMBED_SECRET_FILE) to a secret of at least 32 characters "
            "to make embed links.",
        )
    return secret


def _terms(link: Link) -> Terms:
    return Terms(link.id, link.organization_id, link.school_id, link.view, link.locale, link.origins, link.expires_at)


def _out(link: Link, secret: bytes, base: str) -> EmbedOut:
    token = sign(secret, _terms(link))
    return EmbedOut(
        id=link.id,
        school_id=link.school_id,
        view=link.view,  # type: ignore[arg-type]
        locale=link.locale,  # type: ignore[arg-type]
        origins=link.origins,
        url=f"{base}/embed/{token}",
        token=token,
        created_at=link.created_at,
        expires_at=link.expires_at,
    )


def _base(request: Request[Any, Any, Any], state: State) -> str:
    configured: str | None = state.settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


class EmbedController(Controller):
    path = "/v1"
    tags = ("embeds",)

    @post(
        "/schools/{school_id:str}/embeds",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE, **OFF},
        summary="Make an embed link for a school",
        operation_id="createEmbed",
    )
    def create(
        self, school_id: PathId, data: JSONBody[NewEmbed], request: Request[Any, Any, Any], state: State
    ) -> Response[EmbedOut]:
        """A signed link to the school's card (or printable report) for the portal origins named: frame its
        ``url``, or give its ``token`` to the ``<pladvisor-card>`` element. The link always shows the school's
        latest stored assessment, until it expires or is revoked."""
        secret = _secret(state)
        settings = state.settings
        seconds = settings.embed_default_seconds if data.expires_in is None else data.expires_in
        if seconds > settings.embed_max_seconds:
            raise invalid_body(
                [
                    FieldError(
                        field="expires_in", message=f"at most {settings.embed_max_seconds} seconds on this service"
                    )
                ]
            )
        expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=seconds)
        store, organization = scoped(request, state)
        origins = tuple(dict.fromkeys(data.origins))
        link = store.embeds.create(organization, school_id, data.view, data.locale, origins, expires_at)
        if link is None:
            raise not_found("Stored item", "No such school in your organization.")
        return created(_out(link, secret, _base(request, state)), f"/v1/embeds/{link.id}")

    @get(
        "/schools/{school_id:str}/embeds",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE, **OFF},
        summary="A school's live embed links",
        operation_id="listEmbeds",
    )
    def live(self, school_id: PathId, request: Request[Any, Any, Any], state: State) -> list[EmbedOut]:
        """Links neither expired nor revoked, newest first."""
        secret = _secret(state)
        store, organization = scoped(request, state)
        links = store.embeds.live(organization, school_id)
        if links is None:
            raise not_found("Stored item", "No such school in your organization.")
        base = _base(request, state)
        return [_out(link, secret, base) for link in links]

    @delete(
        "/embeds/{embed_id:str}",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="Revoke an embed link",
        operation_id="revokeEmbed",
    )
    def revoke(self, embed_id: PathId, request: Request[Any, Any, Any], state: State) -> None:
        """From now on the link's page and card answer 410, wherever they were put."""
        store, organization = scoped(request, state)
        if store.embeds.revoke(organization, embed_id) is None:
            raise not_found("Stored item", "No such embed link in your organization.")


def _checked(state: State, token: str) -> tuple[Link | None, str]:
    """The link a token stands for, and how the read ends: ``shown``, or why not. Every way a token can fail
    answers the same page, so a stranger learns nothing by trying; only a good signature can hear that its link
    expired or was revoked."""
    secret: bytes | None = state.embed_secret
    terms = read(secret, token) if secret is not None else None
    if terms is None:
        return None, "unknown"
    link = store_of(state).embeds.get(terms.link_id)
    if link is None or _terms(link) != terms:
        return None, "unknown"
    if link.revoked_at is not None:
        return link, "revoked"
    if datetime.now(UTC) >= link.expires_at:
        return link, "expired"
    return link, "shown"


def _ancestors(link: Link | None) -> str:
    return " ".join(link.origins) if link is not None else "'none'"


def _refused_page(status: int, detail: str, link: Link | None) -> Response[str]:
    page = environment().get_template(EMBED_CARD).render(card=None, refused=detail, origins="")
    return Response(
        page, status_code=status, media_type=MediaType.HTML, headers={FRAME_ANCESTORS: _ancestors(link), **NO_STORE}
    )


NO_STORE = {"Cache-Control": "no-store"}
"""A revoked link ends at once: no copy of its card is kept along the way."""


def _cors(request: Request[Any, Any, Any], link: Link | None) -> dict[str, str]:
    origin = request.headers.get("origin")
    allowed = link is not None and origin in link.origins
    return {"Vary": "Origin", **({"Access-Control-Allow-Origin": origin} if allowed and origin else {})}


def _card(state: State, link: Link) -> tuple[EmbedCard, Assessment | None]:
    school, assessed_on, assessment = store_of(state).latest(link.organization_id, link.school_id)
    return card(school, assessed_on, assessment), assessment


TOKEN = Annotated[str, Parameter(description="The token of an embed link, as its url gives it.")]
"""Not checked against ``TOKEN_PATTERN`` here: a token that cannot be good answers the same page as one that
is not, never a validation problem that tells the two apart."""


@get(
    "/embed/{token:str}",
    sync_to_thread=True,
    media_type=MediaType.HTML,
    tags=("embeds",),
    summary="A school's card (or report) through an embed link",
    operation_id="getEmbedPage",
    responses={
        # The JSON twin's answer, documented as its own path by ``contract.document_embeds``.
        200: ResponseSpec(
            EmbedCard, description="The card as JSON.", media_type=MediaType.JSON, generate_examples=False
        ),
        404: problem_response(404, "The token is not valid."),
        410: problem_response(410, "The link expired or was revoked."),
    },
)
def embed_page(token: TOKEN, request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """No key: the signed token is the permission. The page may be framed by the link's origins only, sets no
    cookie, loads nothing from elsewhere, and tells its parent its height (``postMessage``, to those origins)."""
    as_json = token.endswith(".json")
    link, outcome = _checked(state, token.removesuffix(".json"))
    view = link.view if link is not None else "card"
    EMBED_READS.labels(view="json" if as_json else view, outcome=outcome).inc()
    if as_json:
        headers = {**_cors(request, link), **NO_STORE}
        if link is None or outcome != "shown":
            status, detail = (404, NO_CARD) if link is None else (410, CARD_GONE)
            title = "Link not valid" if link is None else "Link ended"
            raise problem(status, f"embed-{outcome}", title, detail, headers=headers)
        shown, _ = _card(state, link)
        return Response(shown, media_type=MediaType.JSON, headers=headers)
    if link is None:
        return _refused_page(404, NO_CARD, None)
    if outcome != "shown":
        return _refused_page(410, CARD_GONE, link)
    shown, assessment = _card(state, link)
    headers = {FRAME_ANCESTORS: _ancestors(link), **NO_STORE}
    if link.view == "report" and assessment is not None:
        return Template(template_name=REPORT, context=report_context(assessment), headers=headers)
    page = environment().get_template(EMBED_CARD).render(card=shown, refused=None, origins=" ".join(link.origins))
    return Response(page, media_type=MediaType.HTML, headers=headers)


@get(
    "/embed/pladvisor-card.js",
    media_type="text/javascript",
    tags=("embeds",),
    summary="The <pladvisor-card> element, as an ES module",
    operation_id="getCardScript",
)
async def card_script() -> Response[bytes]:
    """Loaded by a portal's page from another origin as a module script, which browsers fetch with CORS; it holds
    no data, so any origin may load it."""
    return Response(
        CARD_SCRIPT,
        media_type="text/javascript",
        headers={
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "Cache-Control": "public, max-age=3600",
        },
    )


EMBED_HANDLERS: list[ControllerRouterHandler] = [EmbedController, embed_page, card_script]
