"""Splitting long IN lists, so a batch of thousands stays within every database's limits."""

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
CHUNK = 2000


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """The distinct values in order, in lists of at most CHUNK."""
    ordered = list(dict.fromkeys(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]
