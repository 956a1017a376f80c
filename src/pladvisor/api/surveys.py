"""Surveys: opened, followed and concluded with the organization's key; answered by a school's people through
their links, without one.

``POST /v1/schools/{school_id}/surveys`` answers the links (one per person, or one shared per role), and
``.../links.csv`` gives them again for a mail merge: none is stored, each is signed again from the survey's terms.
``GET /s/{token}`` is the respondent's questionnaire, ``POST /s/{token}`` takes its answers once. Those pages set
no cookie, load nothing from elsewhere, and say nothing about a school to a link that is not good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import anyio.to_thread
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import JSONBody, Parameter
from litestar.types import ControllerRouterHandler

from pladvisor.advice import survey_runs as runs
from pladvisor.advice.survey_catalog import Language
from pladvisor.advice.survey_forms import language_for, questionnaire, read_form
from pladvisor.advice.survey_links import expiry, links_csv, read_link
from pladvisor.advice.survey_runs import NoSuchSurvey, SurveyConcluded, catalog_role
from pladvisor.advice.surveys import ConsensusError, SurveyCounter, check_new_survey
from pladvisor.domain.respondents import ATTRIBUTED, Role
from pladvisor.domain.surveys import ConsensusStored, NewConsensus, NewSurvey, SurveyOut, SurveyStatus
from pladvisor.reports import environment
from pladvisor.storage.store import Store
from pladvisor.storage.surveys import StoredResponse, StoredSurvey, SurveyedRole

from .paths import PathId
from .problems import BAD_BODY, invalid_body, not_found, problem, problem_response
from .stored import MISSING, UNAVAILABLE, created, scoped, store_of, stored_assessment_url

SURVEY_FORM = "survey_form.html"
SURVEY_PAGE = "survey_done.html"
FORM_MAX_BYTES = 64 * 1024
"""The largest answer a form may send: the longest questionnaire (a leader's) with every box ticked is under
4 KiB, so anything near this bound was not sent by the form."""
MAX_FORM_FIELDS = 400
"""Inputs a form may send: the longest questionnaire has fewer than 200, counting each checkbox."""
NO_STORE = {"Cache-Control": "no-store"}
"""A respondent's page is never kept along the way: a used or closed link must say so at once."""
OFF = {503: problem_response(503, "Surveys are off: the service has no PLADVISOR_EMBED_SECRET.")}
CONCLUDED = {409: problem_response(409, "A consensus was stored for the survey already.")}


def counter_of(state: State) -> SurveyCounter:
    counter: SurveyCounter = state.surveys
    return counter


def _secret(state: State) -> bytes:
    secret: bytes | None = state.embed_secret
    if secret is None:
        raise problem(
            503,
            "surveys-off",
            "Surveys are off",
            "Set PLADVISOR_EMBED_SECRET (or PLADVISOR_EMBED_SECRET_FILE) to a secret of at least 32 characters: "
            "it signs the links respondents answer through.",
        )
    return secret


def _base(request: Request[Any, Any, Any], state: State) -> str:
    configured: str | None = state.settings.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


def _survey_url(survey: StoredSurvey) -> str:
    return f"/v1/schools/{survey.school_id}/surveys/{survey.id}"


def _no_survey() -> Exception:
    return not_found("Stored item", "No such survey of this school in your organization.")


def _found(store: Store, organization: str, school_id: str, survey_id: str) -> runs.SurveyRecord:
    try:
        return runs.found(store.surveys, organization, school_id, survey_id)
    except NoSuchSurvey as exc:
        raise _no_survey() from exc


def _concluded() -> Exception:
    return problem(
        409,
        "survey-concluded",
        "Survey concluded",
        "A consensus was stored for this survey already; its assessment is in the school's history.",
    )


class SurveyController(Controller):
    path = "/v1/schools"
    tags = ("surveys",)

    @post(
        "/{school_id:str}/surveys",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE, **OFF},
        summary="Open a survey of a school's people",
        operation_id="createSurvey",
    )
    def create(
        self, school_id: PathId, data: JSONBody[NewSurvey], request: Request[Any, Any, Any], state: State
    ) -> Response[SurveyOut]:
        """Each role asked, with its roster, gets one single-use link per person, or with ``shared_link`` one link
        for all, which one person can answer more than once. Links work until midnight UTC at the end of
        ``closes_on``, or until the consensus closes the survey. The same links as CSV, for a mail merge, are at
        ``links.csv``."""
        secret = _secret(state)
        counter = counter_of(state)
        errors = check_new_survey(data, counter.catalog, datetime.now(UTC).date())
        if errors:
            raise invalid_body(errors)
        store, organization = scoped(request, state)
        roles = tuple(SurveyedRole(role, asked.roster, asked.shared_link) for role, asked in data.roles.items())
        languages = tuple(data.languages)
        survey = store.surveys.create(organization, school_id, data.closes_on, expiry(data.closes_on), languages, roles)
        if survey is None:
            raise not_found("Stored item", "No such school in your organization.")
        return created(runs.opened(survey, secret, _base(request, state), counter), _survey_url(survey))

    @get(
        "/{school_id:str}/surveys/{survey_id:str}/links.csv",
        media_type="text/csv",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE, **OFF},
        summary="A survey's links as CSV, for a mail merge",
        operation_id="getSurveyLinks",
    )
    def links(
        self, school_id: PathId, survey_id: PathId, request: Request[Any, Any, Any], state: State
    ) -> Response[str]:
        """One row per link: ``role``, ``place`` (1 to the roster, or ``shared``) and ``url``, the same links as
        when the survey was opened."""
        secret = _secret(state)
        store, organization = scoped(request, state)
        survey = _found(store, organization, school_id, survey_id)
        text = links_csv(runs.survey_links(survey, secret, _base(request, state), counter_of(state)))
        disposition = f'attachment; filename="survey-{survey.id}-links.csv"'
        return Response(
            text, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition, **NO_STORE}
        )

    @get(
        "/{school_id:str}/surveys/{survey_id:str}",
        sync_to_thread=True,
        responses={**MISSING, **UNAVAILABLE},
        summary="A survey's response rates and combined answer",
        operation_id="getSurvey",
    )
    def status(
        self, school_id: PathId, survey_id: PathId, request: Request[Any, Any, Any], state: State
    ) -> SurveyStatus:
        """Each role's responses against its roster. A role below its response-rate threshold is left out of the
        combined answer, and its perception gaps are listed apart as low confidence; no surveyed role is shown by
        role below the anonymity floor. ``disputed`` names the fields the consensus settles."""
        store, organization = scoped(request, state)
        survey = _found(store, organization, school_id, survey_id)
        return runs.status(store.surveys, counter_of(state), survey)

    @post(
        "/{school_id:str}/surveys/{survey_id:str}/consensus",
        status_code=201,
        sync_to_thread=True,
        responses={**BAD_BODY, **MISSING, **UNAVAILABLE, **CONCLUDED},
        summary="Store the school's assessment from its team's consensus, and close the survey",
        operation_id="storeSurveyConsensus",
    )
    def conclude(
        self,
        school_id: PathId,
        survey_id: PathId,
        data: JSONBody[NewConsensus],
        request: Request[Any, Any, Any],
        state: State,
    ) -> Response[ConsensusStored]:
        """The team's answer for each disputed field, each with a note. The school's dated assessment is stored
        from the counted roles' combined answers with the team's in place of the disputed ones, so the school's
        history, progress, roll-out and embeds read it; the perception gaps are kept beside it. The survey then
        takes no more answers."""
        store, organization = scoped(request, state)
        survey = _found(store, organization, school_id, survey_id)
        try:
            stored = runs.conclude(store.surveys, counter_of(state), organization, survey, data)
        except ConsensusError as exc:
            raise invalid_body(exc.errors) from exc
        except SurveyConcluded as exc:
            raise _concluded() from exc
        except NoSuchSurvey as exc:
            raise _no_survey() from exc
        return created(stored, stored_assessment_url(stored.assessment))


# --- the respondent's pages ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reached:
    """A good link: its survey, role, and place (None for a shared link)."""

    survey: StoredSurvey
    role: Role
    place: int | None


def _reach(store: Store, secret: bytes | None, token: str) -> _Reached | None:
    """The survey place a token stands for, or None when it is not a good link. Every way a token can fail answers
    the same page, so a stranger learns nothing by trying."""
    terms = read_link(secret, token) if secret is not None else None
    if terms is None:
        return None
    survey = store.surveys.by_id(terms.survey_id)
    if (
        survey is None
        or (survey.organization_id, survey.school_id, survey.expires_at)
        != (terms.organization_id, terms.school_id, terms.expires_at)
        or (roster := survey.role(terms.role)) is None
    ):
        return None
    if roster.shared:
        return _Reached(survey, catalog_role(roster.role), None) if terms.place == 0 else None
    return _Reached(survey, catalog_role(roster.role), terms.place) if 1 <= terms.place <= roster.roster else None


def _offered(counter: SurveyCounter, reached: _Reached | None) -> tuple[str, ...]:
    if reached is None:
        return tuple(counter.catalog.languages)
    return counter.catalog.offered_for(reached.role, reached.survey.languages)


def _page(language: Language, title: str, message: str, status: int) -> Response[str]:
    page = environment().get_template(SURVEY_PAGE).render(language=language, title=title, message=message)
    return Response(page, status_code=status, media_type=MediaType.HTML, headers=NO_STORE)


def _refused(language: Language, why: str) -> Response[str]:
    """The page of a link that cannot be used: 404 for one that is not good, 410 for one that was."""
    return _page(language, language.say("refused_title"), language.say(why), 404 if why == "unknown" else 410)


def _form(
    counter: SurveyCounter,
    store: Store,
    reached: _Reached,
    language: Language,
    values: dict[str, list[str]],
    errors: dict[str, str],
) -> Response[str]:
    form = questionnaire(counter.catalog, counter.combiner, reached.role, language.code)
    names = [question.name for question in form.questions]
    catalog = counter.catalog.languages
    page = (
        environment()
        .get_template(SURVEY_FORM)
        .render(
            language=language,
            school=store.surveys.school_name(reached.survey.school_id) or "",
            offered=[(code, catalog[code].name) for code in _offered(counter, reached)],
            anonymous=reached.role not in ATTRIBUTED,
            floor=counter.combiner.minimum_group,
            closes_on=reached.survey.closes_on.isoformat(),
            errors=errors,
            ids={name: "q-" + name.replace(".", "-").replace("_", "-") for name in names},
            numbers={name: number for number, name in enumerate(names, start=1)},
            form=form,
            values=values,
        )
    )
    return Response(page, status_code=422 if errors else 200, media_type=MediaType.HTML, headers=NO_STORE)


def _show(state: State, token: str, asked: str | None, accept_language: str | None) -> Response[str]:
    store, counter = store_of(state), counter_of(state)
    reached = _reach(store, state.embed_secret, token)
    language = counter.catalog.languages[language_for(_offered(counter, reached), asked, accept_language)]
    if reached is None:
        return _refused(language, "unknown")
    if not reached.survey.open_at(datetime.now(UTC)):
        return _refused(language, "closed")
    if store.surveys.answered(reached.survey.id, reached.role, reached.place):
        return _refused(language, "used" if reached.place is not None else "full")
    return _form(counter, store, reached, language, {}, {})


def _answer(state: State, token: str, sent: dict[str, list[str]], accept_language: str | None) -> Response[str]:
    store, counter = store_of(state), counter_of(state)
    reached = _reach(store, state.embed_secret, token)
    asked = next(iter(sent.get("lang", [])), None)
    language = counter.catalog.languages[language_for(_offered(counter, reached), asked, accept_language)]
    if reached is None:
        return _refused(language, "unknown")
    if not reached.survey.open_at(datetime.now(UTC)):
        return _refused(language, "closed")
    form = questionnaire(counter.catalog, counter.combiner, reached.role, language.code)
    submitted = read_form(form, sent)
    if submitted.response is None:
        return _form(counter, store, reached, language, dict(submitted.values), submitted.errors)
    response = StoredResponse(
        role=reached.role,
        stage=submitted.response.stage,
        language=language.code,
        answers=submitted.response.model_dump(mode="json")["answers"],
    )
    outcome = store.surveys.respond(reached.survey.id, reached.role, reached.place, response, datetime.now(UTC))
    if outcome != "stored":
        return _refused(language, outcome)
    return _page(language, language.say("done_title"), language.say("done_body"), 200)


TOKEN = Annotated[str, Parameter(description="The token of a respondent's link, as its url gives it.")]
"""Not checked against a pattern here: a token that cannot be good answers the same page as one that is not."""
LANG = Annotated[
    str | None,
    Parameter(
        max_length=16,
        description="The language to show the questionnaire in (en, es), when the survey offers it; otherwise "
        "the browser's Accept-Language decides, else English.",
    ),
]
PAGES = {
    404: problem_response(404, "The link is not valid (an HTML page)."),
    410: problem_response(410, "The link was used, or the survey is closed (an HTML page)."),
}


@get(
    "/s/{token:str}",
    media_type=MediaType.HTML,
    tags=("surveys",),
    summary="A respondent's questionnaire, through a survey link",
    operation_id="getSurveyForm",
    responses=PAGES,
)
async def survey_form(token: TOKEN, request: Request[Any, Any, Any], state: State, lang: LANG = None) -> Response[str]:
    """No key: the signed link is the permission. The role's own questions in the respondent's language, as a
    form that works without scripts; no cookie, nothing loaded from elsewhere. Says so when the translation is
    a draft."""
    return await anyio.to_thread.run_sync(_show, state, token, lang, request.headers.get("accept-language"))


async def require_form(request: Request[Any, Any, Any]) -> None:
    """A respondent's answers come as a browser sends a form; anything else was not sent by the form."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/x-www-form-urlencoded":
        raise HTTPException(
            status_code=415, detail="Send the answers as application/x-www-form-urlencoded, as the form does."
        )


def _from_elsewhere(request: Request[Any, Any, Any], public_url: str | None) -> bool:
    """Whether a browser sent the answers from a page of another site: one that framed nothing (the form may
    not be framed) but posted a form of its own to a link it holds, to answer in someone's name. Browsers say
    where a request comes from in ``Sec-Fetch-Site``; older ones name the page's origin in ``Origin``, except
    as ``null`` under the form's ``no-referrer`` policy. A request with neither did not come from a page."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return False
    # By host and port: behind a proxy that ends TLS the service itself may see http where the browser saw https.
    own = urlsplit(public_url).netloc if public_url else request.url.netloc
    return urlsplit(origin).netloc != own


@post(
    "/s/{token:str}",
    status_code=200,
    media_type=MediaType.HTML,
    tags=("surveys",),
    summary="Send a respondent's answers through a survey link",
    operation_id="storeSurveyAnswer",
    before_request=require_form,
    request_max_body_size=FORM_MAX_BYTES,
    responses={
        **PAGES,
        403: problem_response(403, "The answers were sent from a page of another site (an HTML page)."),
        413: problem_response(413, "The answers are larger than any the form sends (an HTML page)."),
        415: problem_response(415, "The answers are not sent as a form."),
        422: problem_response(422, "An answer is not one the question takes: the form again, saying which."),
    },
)
async def survey_answer(token: TOKEN, request: Request[Any, Any, Any], state: State) -> Response[str]:
    """Stores one response and says so; a single-use link then takes no more. A used, expired, closed or unknown
    link stores nothing and answers a page that says why. The answers are never stored with the link."""
    accept_language = request.headers.get("accept-language")
    counter = counter_of(state)
    english = counter.catalog.languages["en"]
    if _from_elsewhere(request, state.settings.public_url):
        return _page(english, english.say("refused_title"), english.say("elsewhere"), 403)
    try:
        body = await request.body()
    except HTTPException as exc:
        if exc.status_code != 413:
            raise
        return _page(english, english.say("refused_title"), english.say("too_many"), 413)
    try:
        sent = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return _page(english, english.say("refused_title"), english.say("too_many"), 400)
    return await anyio.to_thread.run_sync(_answer, state, token, sent, accept_language)


SURVEY_HANDLERS: list[ControllerRouterHandler] = [SurveyController, survey_form, survey_answer]
