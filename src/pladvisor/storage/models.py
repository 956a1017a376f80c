"""The stored tables. Every row that belongs to an organization carries its id, and every query filters on it:
one organization never reads another's rows."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    """Random ids: one organization cannot guess another's, and a client may make ids before storing."""
    return uuid.uuid4().hex


def now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """SQLite gives back times without their zone; every time stored is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ApiKey(Base):
    """A key's SHA-256 (keys are random, so a fast hash is enough), never the key itself."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8), doc="The key's first characters, to tell keys apart in a list.")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class District(Base):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    schools: Mapped[list[School]] = relationship(back_populates="district", cascade="all, delete-orphan")


class School(Base):
    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    need: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    district: Mapped[District] = relationship(back_populates="schools")
    assessments: Mapped[list[StoredAssessment]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="StoredAssessment.assessed_on"
    )


class StoredAssessment(Base):
    """One dated assessment of a school: the answers assessed, and what lists, roll-outs and check-ins read of
    the answer (its findings). The answer itself is in its own table, which those reads never touch."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_school_date", "school_id", "assessed_on"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    assessed_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), doc="single or combined")
    catalog_version: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(default=None)
    profile: Mapped[str] = mapped_column(Text, doc="The answers assessed, as JSON: progress compares them.")
    findings: Mapped[str | None] = mapped_column(
        Text, default=None, doc="The answer's findings (``domain.stored.Findings``) as JSON."
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    school: Mapped[School] = relationship(back_populates="assessments")
    actions: Mapped[list[Action]] = relationship(cascade="all, delete-orphan")


class StoredAnswer(Base):
    """A stored assessment's answer as the service gave it: JSON, compressed (``storage.answers``)."""

    __tablename__ = "assessment_answers"

    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Action(Base):
    """A ``now`` item of a stored assessment, adopted with an owner and a due date."""

    __tablename__ = "actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), doc="open, done or dropped")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class EmbedLink(Base):
    """A signed link a portal shows a school's advice through. Its token is not kept: it is made again from
    these columns and the server's secret, and a token is checked against the row (so deleting the row, or
    revoking it, ends the link)."""

    __tablename__ = "embed_links"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    view: Mapped[str] = mapped_column(String(16), doc="card or report")
    locale: Mapped[str] = mapped_column(String(16))
    origins: Mapped[str] = mapped_column(Text, doc="The allowed origins, space-separated.")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Survey(Base):
    """A school's survey: open until ``expires_at`` (the day after it closes) or until its consensus closes it.
    Its links are not kept: each is made again from the survey's id, role and place and the server's secret."""

    __tablename__ = "surveys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[str] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    closes_on: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    languages: Mapped[str] = mapped_column(String(100), doc="The languages offered, space-separated.")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class SurveyRole(Base):
    __tablename__ = "survey_roles"

    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    roster: Mapped[int] = mapped_column(Integer)
    shared: Mapped[bool] = mapped_column(Boolean, doc="One shared link rather than one per place.")


class SurveyPlace(Base):
    """A place whose single-use link has been answered through. Nothing ties it to the response it sent: the
    list of who was sent which link cannot lead to anyone's answers."""

    __tablename__ = "survey_places"

    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    place: Mapped[int] = mapped_column(Integer, primary_key=True)


class SurveyResponse(Base):
    """One respondent's answers, as a combined request's response takes them (JSON by section)."""

    __tablename__ = "survey_responses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(20), default=None)
    language: Mapped[str] = mapped_column(String(16))
    answers: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SurveyConsensus(Base):
    """What a survey's team agreed, beside the assessment stored from it: each disputed field as surveyed and as
    agreed, with the team's notes, and the disagreements as they were found (``domain.surveys.ConsensusOut``)."""

    __tablename__ = "survey_consensus"

    survey_id: Mapped[str] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
