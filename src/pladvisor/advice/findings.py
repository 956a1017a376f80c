"""What the catalog in use says of a stored assessment: the findings stored with it when that catalog made
them, else a new assessment of its answers, so that schools assessed under different catalogs are compared
alike."""

from __future__ import annotations

from pladvisor.domain.stored import Dated, Findings, findings_of_assessment

from .advisor import Advisor


def current_findings(advisor: Advisor, dated: Dated) -> Findings:
    stored = dated.findings
    if stored is not None and dated.catalog_version == advisor.catalog.version:
        return stored
    return findings_of_assessment(advisor.assess(dated.profile))
