"""What handlers read from the application's state: one place that knows the state's names and types."""

from __future__ import annotations

from litestar.datastructures import State

from pladvisor.advice.advisor import Advisor
from pladvisor.advice.combine import Combiner


def advisor_of(state: State) -> Advisor:
    advisor: Advisor = state.advisor
    return advisor


def combiner_of(state: State) -> Combiner:
    combiner: Combiner = state.combiner
    return combiner
