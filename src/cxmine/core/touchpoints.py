"""Which events the customer sees (touchpoints) and which are the customer chasing us, as boolean masks
over the sorted canonical table. Names are matched once per activity (category) with the one matcher
(`cxmine.matching`: an exact name wins, then a glob), then looked up by code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.journey import seen_before
from cxmine.errors import ConfigError
from cxmine.matching import matches, pattern_matches
from cxmine.model import Warning_


class TouchpointSettings(Protocol):
    """What the masks need of `[touchpoints]` (cxmine.config.Touchpoints has it)."""

    activities: tuple[str, ...]
    attribute: str | None
    customer_initiated: tuple[str, ...]
    chasing: tuple[str, ...]
    outbound: tuple[str, ...]


@dataclass(frozen=True)
class TouchpointMasks:
    touchpoint: np.ndarray  # per event: the customer sees it
    chasing: np.ndarray  # per event: a contact that means the customer is chasing us
    names: tuple[str, ...]  # the touchpoint activities present in the log, sorted
    configured: bool  # False: every activity counts as customer-facing
    customer_initiated: frozenset[str]  # activities the customer starts (present in the log)
    outbound: np.ndarray | None = None  # per event: we contact the customer (counted inside the wait, not ending it)


def touchpoint_masks(events: pd.DataFrame, touchpoints: TouchpointSettings, notes: list[Warning_], *, quiet: bool = False) -> TouchpointMasks:
    """Touchpoint and chasing masks per event; a pattern that matches nothing becomes a note (unless `quiet`:
    one process of a journey, where the other processes' touchpoints are expected not to match)."""
    names = [str(c) for c in events[schema.ACTIVITY].cat.categories]
    codes = events[schema.ACTIVITY].cat.codes.to_numpy()
    pool = set(names)

    def rows_of(chosen: set[str]) -> np.ndarray:
        return np.isin(codes, [i for i, name in enumerate(names) if name in chosen])

    configured = bool(touchpoints.activities) or bool(touchpoints.attribute)
    if touchpoints.activities:
        for pattern in touchpoints.activities:
            if not pattern_matches(pool, pattern) and not quiet:
                notes.append(Warning_("touchpoint_not_found", f"touchpoint pattern {pattern!r} matches no activity in the log"))
        mask = rows_of(matches(pool, touchpoints.activities))
    elif touchpoints.attribute:
        if touchpoints.attribute not in events.columns:
            raise ConfigError(f"[touchpoints] attribute {touchpoints.attribute!r} is not a column of the log", hint=f"columns: {', '.join(map(str, events.columns))}")
        mask = events[touchpoints.attribute].notna().to_numpy()
    else:
        mask = np.ones(len(events), dtype=bool)
    initiated = frozenset(matches(pool, touchpoints.customer_initiated))
    if touchpoints.chasing:
        chasing = rows_of(matches(pool, touchpoints.chasing))
    else:  # a customer-initiated contact repeated in a case (done before in the case): the repeats are the chasing
        rows = np.flatnonzero(rows_of(set(initiated)))
        chasing = np.zeros(len(codes), dtype=bool)
        chasing[rows] = seen_before(events[schema.CASE].cat.codes.to_numpy()[rows], codes[rows])
    outbound = rows_of(matches(pool, getattr(touchpoints, "outbound", ())))  # settings objects of older callers may lack it
    mask = mask & ~outbound
    touchpoint_names = tuple(sorted(names[i] for i in np.flatnonzero(np.bincount(codes[mask], minlength=len(names)))))
    return TouchpointMasks(mask, chasing & ~outbound, touchpoint_names, configured, initiated, outbound)
