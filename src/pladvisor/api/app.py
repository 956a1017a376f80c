"""The Litestar application: wiring only; behaviour lives in the handlers and the engine."""

from __future__ import annotations

import gc

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components
from litestar.plugins.pydantic import PydanticPlugin
from litestar.stores.base import Store
from litestar.types import Middleware

from pladvisor import __version__
from pladvisor.advice.advisor import Advisor
from pladvisor.advice.combine import Combiner
from pladvisor.advice.survey_catalog import load_survey_catalog
from pladvisor.advice.surveys import SurveyCounter
from pladvisor.config import Settings
from pladvisor.engine.catalog import default_rules_dir
from pladvisor.engine.respondents import load_respondents

from .assessments import AssessmentController
from .batch import assess_many
from .combined import combined_handler, stored_combined_handler
from .compare import CompareController
from .content import require_json_body
from .contract import SECURITY_SCHEMES, TAGS, tighten
from .docs import DOCS_HANDLERS
from .embeds import EMBED_HANDLERS
from .health import HEALTH_HANDLERS, PUBLIC_PATHS, drain_on_sigterm, mark_draining, mark_ready
from .metrics import MetricsController
from .problems import problem_details_plugin
from .questionnaire import QuestionnaireController
from .rate_limit import CountingRateLimitMiddleware
from .reports import ReportController, template_config
from .rules import RuleController
from .security import (
    EMBED_PATHS,
    SURVEY_PATHS,
    ApiKeyMiddleware,
    embed_read_limit,
    rate_limit_identity,
    survey_answer_limit,
)
from .service import Service
from .stored import DistrictController, SchoolController, close_store
from .surveys import SURVEY_HANDLERS


def shared_store(url: str) -> Store:
    """Litestar's Redis store (Valkey speaks the same protocol); imported only when configured, so the package
    needs ``redis`` only then (``pip install 'pladvisor[redis]'``)."""
    from litestar.stores.redis import RedisStore

    return RedisStore.with_client(url=url.replace("valkey://", "redis://", 1), namespace="pladvisor")


def freeze_heap(_: Litestar) -> None:
    """Everything built before the first request (the catalog, the compiled rules, the application) lives as
    long as the process: out of the collector's sight, a full collection no longer walks it. Under load a full
    collection paused the service for up to 80 ms without this, and for up to 30 ms with it. Garbage is
    collected first, or it would be kept for good."""
    gc.collect()
    gc.freeze()


def create_app(advisor: Advisor | None = None, settings: Settings | None = None) -> Litestar:
    """Build the service around one advisor (loaded from the configured ``rules/`` when not given)."""
    settings = settings or Settings()
    advisor = advisor or Advisor.from_directory(settings.rules_dir)
    rules_dir = settings.rules_dir or default_rules_dir()
    combiner = Combiner(advisor, load_respondents(rules_dir, advisor.catalog), settings.minimum_group)
    surveys = SurveyCounter(combiner, load_survey_catalog(rules_dir, combiner))
    keys = settings.accepted_keys()
    middleware: list[Middleware] = []
    if keys:
        middleware.append(DefineMiddleware(ApiKeyMiddleware, keys=keys))
    stores: dict[str, Store] = {}
    limits: list[RateLimitConfig] = []
    if settings.rate_limit_per_minute:
        limits.append(
            RateLimitConfig(
                rate_limit=("minute", settings.rate_limit_per_minute),
                middleware_class=CountingRateLimitMiddleware,
                exclude=[*PUBLIC_PATHS, *EMBED_PATHS, *SURVEY_PATHS],
                identifier_for_request=rate_limit_identity(keys_on=bool(keys)),
            )
        )
    if settings.embed_reads_per_minute:
        limits.append(embed_read_limit(settings.embed_reads_per_minute))
    if settings.survey_answers_per_minute:
        limits.append(survey_answer_limit(settings.survey_answers_per_minute))
    for limit in limits:
        middleware.append(limit.middleware)
        if settings.rate_limit_store_url:
            stores[limit.store] = shared_store(settings.rate_limit_store_url)
    app = Service(
        route_handlers=[
            AssessmentController,
            combined_handler(combiner),
            stored_combined_handler(combiner),
            assess_many,
            CompareController,
            DistrictController,
            SchoolController,
            RuleController,
            QuestionnaireController,
            ReportController,
            *HEALTH_HANDLERS,
            MetricsController,
            *EMBED_HANDLERS,
            *SURVEY_HANDLERS,
            *DOCS_HANDLERS,
        ],
        on_startup=[mark_ready, drain_on_sigterm, freeze_heap],
        on_shutdown=[mark_draining, close_store],
        template_config=template_config(),
        # Logging is configured once per process, by ``pladvisor serve`` (JSON lines, see api.observability);
        # Litestar's default would replace it with its own plain-text handler when the application is built.
        logging_config=None,
        middleware=middleware,
        before_request=require_json_body,
        cors_config=CORSConfig(allow_origins=settings.cors_origins) if settings.cors_origins else None,
        request_max_body_size=settings.max_body_bytes,
        stores=stores,
        state=State(
            {
                "advisor": advisor,
                "combiner": combiner,
                "surveys": surveys,
                "settings": settings,
                "embed_secret": settings.embed_key(),
                "ready": False,
            }
        ),
        # Strict: "yes" is not a boolean and "3" is not a number; choices are Literal types, which accept JSON strings.
        plugins=[PydanticPlugin(validate_strict=True), problem_details_plugin()],
        openapi_config=OpenAPIConfig(
            title="pladvisor",
            version=__version__,
            description="Readiness and ranked, explained next steps for implementing personalized learning.",
            path="/schema",
            # The document only: Litestar's Swagger and Redoc pages would load their scripts from public CDNs;
            # /docs serves Swagger UI from the service itself (api.docs).
            render_plugins=[JsonRenderPlugin()],
            components=Components(security_schemes=SECURITY_SCHEMES),
            tags=TAGS,
        ),
    )
    tighten(app)
    return app
