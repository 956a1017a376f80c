"""``POST /v1/reports``: one school's assessment as a printable HTML page."""

from __future__ import annotations

from litestar import Controller, MediaType, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from pladvisor.advice.what_if import what_if
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

    @post(
        "/",
        status_code=200,
        media_type=MediaType.HTML,
        sync_to_thread=True,
        responses=BAD_BODY,
        summary="Printable report",
        operation_id="renderReport",
    )
    def report(self, data: JSONBody[SchoolProfile], state: State) -> Template:
        """A self-contained HTML page (no scripts, charts in SVG) to print or save: scores, plan, what would move
        the school up, strengths, sources. Worked in a thread: the what-if search assesses a few hundred profiles."""
        advisor = advisor_of(state)
        context = report_context(advisor.assess(data), what_if=what_if(advisor, data))
        return Template(template_name=REPORT, context=context)
