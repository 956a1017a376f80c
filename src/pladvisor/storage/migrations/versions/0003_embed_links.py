"""Embed links: the signed links portals frame a school's advice through."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embed_links",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "organization_id", sa.String(32), sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("school_id", sa.String(32), sa.ForeignKey("schools.id", ondelete="CASCADE"), nullable=False),
        sa.Column("view", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("origins", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_embed_links_organization_id", "embed_links", ["organization_id"])
    op.create_index("ix_embed_links_school_id", "embed_links", ["school_id"])


def downgrade() -> None:
    op.drop_table("embed_links")
