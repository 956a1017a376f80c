"""Cutting many profiles into batch requests and putting their answers back in input order, for
``assess_many``: batches as they are sent, pieces of one the server refused as too large, and each item's
place in the whole input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

import msgspec

from pladvisor.client._calls import Profile, payload
from pladvisor.client._errors import ProblemError
from pladvisor.domain.batch import BatchItem, BatchSummaryItem

Item = TypeVar("Item", BatchItem, BatchSummaryItem)
"""A batch item of either view."""


def numbered_batches(profiles: Iterable[Profile], size: int) -> Iterator[tuple[int, list[Any]]]:
    """Batches of at most ``size`` payloads, each with the input position of its first profile."""
    iterator, offset = iter(profiles), 0
    while batch := [payload(p) for p in islice(iterator, size)]:
        yield offset, batch
        offset += len(batch)


def pieces(error: ProblemError, batch: Sequence[Any]) -> list[tuple[int, Sequence[Any]]] | None:
    """Where to cut a batch the server refused as larger than it takes, when it said what it takes; None when
    the refusal was for anything else."""
    limit = error.problem.limit
    if error.status_code != 413 or limit is None or not 0 < limit < len(batch):
        return None
    return [(start, batch[start : start + limit]) for start in range(0, len(batch), limit)]


def renumbered(items: Iterable[Item], offset: int) -> list[Item]:
    """Batch items carry their index in the whole input, not in the batch that carried them."""
    return [_moved(item, offset) for item in items] if offset else list(items)


def _moved(item: Item, offset: int) -> Item:
    """``item`` as if it stood ``offset`` places later: the one place the client changes an answer."""
    problem = msgspec.structs.replace(item.problem, index=item.problem.index + offset) if item.problem else None
    return msgspec.structs.replace(item, index=item.index + offset, problem=problem)
