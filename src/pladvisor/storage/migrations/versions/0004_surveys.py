"""Surveys: a school's respondents answering through single-use links, and the consensus its team reaches."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _survey_id() -> sa.Column[str]:
    return sa.Column("survey_id", sa.String(32), sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "organization_id", sa.String(32), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("school_id", sa.String(32), sa.ForeignKey("schools.id", ondelete="CASCADE"), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("languages", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_surveys_organization_id", "surveys", ["organization_id"])
    op.create_index("ix_surveys_school_id", "surveys", ["school_id"])
    op.create_table(
        "survey_roles",
        _survey_id(),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("roster", sa.Integer(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "survey_places",
        _survey_id(),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("place", sa.Integer(), primary_key=True),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("survey_id", sa.String(32), sa.ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("stage", sa.String(20), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_survey_responses_survey_id", "survey_responses", ["survey_id"])
    op.create_table(
        "survey_consensus",
        _survey_id(),
        sa.Column("assessment_id", sa.String(32), sa.ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_survey_consensus_assessment_id", "survey_consensus", ["assessment_id"])


def downgrade() -> None:
    for table in ("survey_consensus", "survey_responses", "survey_places", "survey_roles", "surveys"):
        op.drop_table(table)
