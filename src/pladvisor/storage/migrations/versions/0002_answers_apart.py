"""Answers in their own table, compressed, and each assessment's findings beside it.

Lists, roll-outs and action check-ins read the findings, a few hundred bytes, instead of assessing the answers
again; they never read the answers' table. Existing rows are moved and given findings here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pladvisor.domain.stored import findings_json, findings_of
from pladvisor.storage.answers import pack, unpack

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHUNK = 500

assessments = sa.table(
    "assessments",
    sa.column("id", sa.String),
    sa.column("kind", sa.String),
    sa.column("answer", sa.Text),
    sa.column("findings", sa.Text),
)
answers = sa.table("assessment_answers", sa.column("assessment_id", sa.String), sa.column("body", sa.LargeBinary))


def upgrade() -> None:
    op.create_table(
        "assessment_answers",
        sa.Column(
            "assessment_id", sa.String(32), sa.ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False),
    )
    op.add_column("assessments", sa.Column("findings", sa.Text(), nullable=True))
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(assessments.c.id, assessments.c.kind, assessments.c.answer)
            .where(assessments.c.id > last)
            .order_by(assessments.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        connection.execute(
            answers.insert(), [{"assessment_id": row.id, "body": pack(row.answer.encode())} for row in rows]
        )
        for row in rows:
            connection.execute(
                assessments.update()
                .where(assessments.c.id == row.id)
                .values(findings=findings_json(findings_of(row.answer, combined=row.kind == "combined")))
            )
        last = rows[-1].id
    # A plain ALTER TABLE (SQLite 3.35 and later): rebuilding the table instead would, with foreign keys on,
    # delete the rows that refer to it.
    op.execute("ALTER TABLE assessments DROP COLUMN answer")


def downgrade() -> None:
    op.add_column("assessments", sa.Column("answer", sa.Text(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(answers.c.assessment_id, answers.c.body)).all():
        connection.execute(
            assessments.update().where(assessments.c.id == row.assessment_id).values(answer=unpack(row.body).decode())
        )
    op.drop_table("assessment_answers")
    op.execute("ALTER TABLE assessments DROP COLUMN findings")
