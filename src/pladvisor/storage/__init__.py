"""Stored assessments: organizations and their keys, districts, schools and each school's dated assessments.

Storing is opt-in per call (the ``/v1/districts`` and ``/v1/schools`` routes); ``POST /v1/assessments`` stays
stateless. SQLite is the default (an embedded file, so ``make run`` needs no other server); PostgreSQL is the
choice for several instances. The schema changes only through the Alembic migrations in ``migrations/``.
"""
