"""The Litestar application: wiring only; behaviour lives in the handlers and the engine."""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.plugins.pydantic import PydanticPlugin

from pladvisor import __version__
from pladvisor.config import Settings
from pladvisor.engine.advisor import Advisor

from .problems import problem_details_plugin
from .routes import AssessmentController, RuleController, health


def create_app(advisor: Advisor | None = None) -> Litestar:
    """Build the service around one advisor (loaded from the default ``rules/`` when not given)."""
    return Litestar(
        route_handlers=[AssessmentController, RuleController, health],
        state=State({"advisor": advisor or Advisor.from_directory(Settings().rules_dir)}),
        # Strict: "yes" is not a boolean and "3" is not a number; choices are Literal types, which accept JSON strings.
        plugins=[PydanticPlugin(validate_strict=True), problem_details_plugin()],
        openapi_config=OpenAPIConfig(
            title="pladvisor",
            version=__version__,
            description="Readiness and ranked, explained next steps for implementing personalized learning.",
            path="/schema",
        ),
    )
