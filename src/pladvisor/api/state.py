"""What handlers read from the application's state: one place that knows the state's names and types."""

from __future__ import annotations

from litestar.datastructures import State

from pladvisor.advice.advisor import Advisor


def advisor_of(state: State) -> Advisor:
    advisor: Advisor = state.advisor
    return advisor
