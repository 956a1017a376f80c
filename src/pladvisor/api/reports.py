"""``POST /v1/reports``: one school's assessment as a printable HTML page."""

from __future__ import annotations

from litestar import Controller, MediaType, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from pladvisor.domain.profile import SchoolProfile
from pladvisor.reports import REPORT, environment, report_context

from .problems import BAD_BODY
from .state import advisor_of


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Litestar renders with the same Jinja2 environment as ``pladvisor report``, so both print the same page."""
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


class ReportController(Controller):
    path = "/v1/reports"
    tags = ("reports",)

    @post("/", status_code=200, media_type=MediaType.HTML, responses=BAD_BODY, summary="Printable report")
    async def report(self, data: JSONBody[SchoolProfile], state: State) -> Template:
        """A self-contained HTML page (no scripts, charts in SVG) to print or save: scores, plan, strengths, sources."""
        return Template(template_name=REPORT, context=report_context(advisor_of(state).assess(data)))
