"""Reading and writing the stored rows, always within one organization: a row of another organization is
"not found", exactly as a row that does not exist, so ids reveal nothing across organizations.

Each aggregate keeps its own queries in its own module; ``Store`` opens the engines they share and names their
methods in one place, so that a caller needs no more than ``Store`` to reach any of them."""

from __future__ import annotations

from sqlalchemy import Engine

from .actions import ActionProblem, Actions, AdoptedAction
from .assessments import Assessments
from .database import check
from .embeds import EmbedLinks
from .organizations import LOCAL_ORGANIZATION, Organizations
from .progress import Progress
from .schools import Schools
from .scored import ScoredRows, Scoring
from .shared import Engines, NotFound
from .surveys import Surveys
from .transfer import ImportProblem, Transfer

__all__ = [
    "LOCAL_ORGANIZATION",
    "ActionProblem",
    "AdoptedAction",
    "ImportProblem",
    "NotFound",
    "Scoring",
    "Store",
]


class Store:
    """One database: a short transaction per write, so a process killed mid-call leaves nothing half-written.

    Reads run outside transactions: each statement sees what was committed when it ran, as it would in
    PostgreSQL's default READ COMMITTED transaction anyway, without the round trips to begin and end one.
    """

    def __init__(self, engine: Engine) -> None:
        check(engine)
        self.engine = engine
        self._engines = Engines.over(engine)
        self.embeds = EmbedLinks(self._engines.writes, self._engines.reads)
        self.surveys = Surveys(self._engines)

        organizations = Organizations(self._engines)
        self.keys_in_use = organizations.keys_in_use
        self.organization_for_key = organizations.organization_for_key
        self.organization_named = organizations.organization_named
        self.local_organization = organizations.local_organization
        self.create_key = organizations.create_key
        self.list_keys = organizations.list_keys
        self.revoke_key = organizations.revoke_key

        schools = Schools(self._engines)
        self.create_district = schools.create_district
        self.districts = schools.districts
        self.district = schools.district
        self.district_named = schools.district_named
        self.add_school = schools.add_school
        self.school = schools.school
        self.delete_school = schools.delete_school

        assessments = Assessments(self._engines)
        self.store_assessment = assessments.store_assessment
        self.history = assessments.history
        self.stored_assessment = assessments.stored_assessment
        self.latest = assessments.latest
        self.latest_profiles = assessments.latest_profiles
        self.store_scored = ScoredRows(self._engines).store_scored

        actions = Actions(self._engines)
        self.adopt_action = actions.adopt_action
        self.change_action = actions.change_action
        self.actions = actions.actions

        progress = Progress(self._engines)
        self.over_time = progress.over_time
        self.district_over_time = progress.district_over_time
        self.latest_by_school = progress.latest_by_school

        transfer = Transfer(self._engines)
        self.export_rows = transfer.export_rows
        self.import_rows = transfer.import_rows

    def close(self) -> None:
        """Close every pooled connection, rather than leave them to the collector."""
        self._engines.dispose()
