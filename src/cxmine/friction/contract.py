"""The engine-neutral contract between detection and scoring (docs/architecture.md).

Detection (today pandas; later DuckDB or Spark) reads a `Journey` — the log prepared per case — and
returns `Candidate` records. Scoring, folding, wording and statistics read only candidates and a few
per-case arrays, never pandas row positions or category codes:

- a case is named by its **case index** `i`, its position in `Journey.case_ids` (0 … n_cases − 1);
- a candidate lists the case indices it affects (`cases`, sorted, unique) and, aligned with them, the
  customer-visible seconds each of those cases lost beyond the threshold (`excess_seconds`);
- `values` / `affected_values` are the measured occurrences (all / those over the threshold), from which
  the engine reports exact percentiles (numpy's default linear interpolation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # types only: the contract itself needs no pandas
    import pandas as pd

    from cxmine.core.timings import Gaps


@dataclass
class Candidate:
    """One possible friction point, before evidence and scoring."""

    kind: str  # a registered kind's type (friction/kinds.py)
    label: str  # rendered from the kind's label template
    cases: np.ndarray  # case indices affected (int64, sorted, unique)
    excess_seconds: np.ndarray  # per case in `cases`: customer-visible seconds beyond the threshold
    measure: str  # what `values` measure, in the user's words
    values: np.ndarray  # every measured occurrence (affected or not)
    affected_values: np.ndarray  # the occurrences over the threshold
    threshold_seconds: float | None = None
    activity: str | None = None
    from_activity: str | None = None
    to_activity: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # A kind that carries its own test (complaint hotspots: a binomial test of complaints above the
    # gap's share of customer time) sets both; the engine then uses them instead of a lift.
    complaint_cases: float | None = None
    p_value: float | None = None
    # The occurrences at or under the threshold (the other cases' experience, for plain sentences).
    others_values: np.ndarray | None = None
    # Per case in `cases`: when the friction began (float ns since the epoch; NaN = unknown). Only friction
    # that began before an outcome counts towards it.
    start_ns: np.ndarray | None = None
    # The cases that went through the same place (had an occurrence, affected or not): outcomes are
    # compared against the unaffected ones among them, not against cases that never got there. None: all.
    eligible: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.cases = np.asarray(self.cases, dtype=np.int64)
        self.excess_seconds = np.asarray(self.excess_seconds, dtype=float)
        if self.cases.shape != self.excess_seconds.shape:
            raise ValueError(f"{self.kind}: {self.cases.size} cases but {self.excess_seconds.size} excess values")
        if self.start_ns is not None:
            self.start_ns = np.asarray(self.start_ns, dtype=float)
            if self.start_ns.shape != self.cases.shape:
                raise ValueError(f"{self.kind}: {self.cases.size} cases but {self.start_ns.size} start times")

    @property
    def location(self) -> tuple[str | None, str | None, str | None]:
        return (self.activity, self.from_activity, self.to_activity)

    @property
    def n_affected(self) -> int:
        return int(self.cases.size)

    def mask(self, n_cases: int) -> np.ndarray:
        """Boolean per case index: affected?"""
        out = np.zeros(n_cases, dtype=bool)
        out[self.cases] = True
        return out

    @classmethod
    def from_case_arrays(
        cls, kind: str, label: str, affected: np.ndarray, excess_per_case: np.ndarray, measure: str, values: np.ndarray, affected_values: np.ndarray,
        start_per_case: np.ndarray | None = None, eligible_cases: np.ndarray | None = None, **fields: Any,
    ) -> Candidate:
        """Build from per-case arrays (length n_cases), as vectorised detectors compute them."""
        from cxmine.core.journey import distinct  # noqa: PLC0415

        cases = np.flatnonzero(affected)
        start = None if start_per_case is None else np.asarray(start_per_case, dtype=float)[cases]
        eligible = None if eligible_cases is None else distinct(eligible_cases, len(affected))
        return cls(kind, label, cases, np.asarray(excess_per_case, dtype=float)[cases], measure, values, affected_values, start_ns=start, eligible=eligible, **fields)


@dataclass
class Journey:
    """The log prepared for detection: per-event arrays on the sorted canonical table, the customer's
    window per case, and what the config and the other inputs say (touchpoints, promises, complaints,
    deviations from the model). Built once by `friction.prepare.prepare_journey`."""

    events: "pd.DataFrame"
    n_cases: int
    case_ids: "pd.Index"  # case index → case id
    case: np.ndarray  # case index per event
    first: np.ndarray  # first event of its case
    begin: "pd.Series"  # start time where known, else completion
    window_start: np.ndarray  # per case: first touchpoint (float ns since the epoch) or NaN
    window_end: np.ndarray  # per case: last touchpoint
    touchpoint: np.ndarray  # per event
    chasing: np.ndarray  # per event
    wait_factor: float = 2.0
    team: str | None = None
    customer: str | None = None
    contact_seconds: float = 600.0  # customer effort of one chasing contact
    touchpoints_configured: bool = False
    customer_initiated: frozenset[str] = frozenset()
    gaps: "Gaps | None" = None
    promises: tuple = ()
    promise_outcomes: "pd.DataFrame | None" = None
    located_complaints: "pd.DataFrame | None" = None  # complaints joined to cases and gaps; None without complaints
    deviations: "tuple[pd.DataFrame, str] | None" = None  # per-case deviations from [model], and the model's name
    status: "pd.DataFrame | None" = None  # per case index: last_ns, last_activity, ended (core.shapes.case_status)
    pauses: frozenset[str] = frozenset()  # after these the customer is not waiting on us ([journey] pauses)
    min_wait_seconds: float = 3600.0
    outbound: np.ndarray | None = None  # per event: we contact the customer (outbound touchpoint)
    paused: np.ndarray | None = None  # per event: inside a pause (the latest touchpoint before it is a [journey] pause)
    contact_process: bool | None = None  # in a journey: are this process's cases contacts? (None: a single log)
    processes: tuple = ()  # customer scope: the processes analysed one by one (friction.crossprocess.ProcessAnalysis)
    timeline: Any = None  # customer scope: the customer timeline (EventLog)
    time_ns: np.ndarray | None = None  # completion per event, float ns since the epoch (NaN = missing)
    begin_ns: np.ndarray | None = None  # start where known, else completion

    def __post_init__(self) -> None:
        from cxmine.core.timings import epoch_ns  # noqa: PLC0415

        if self.time_ns is None:
            self.time_ns = epoch_ns(self.events["timestamp"])
        if self.begin_ns is None:
            self.begin_ns = epoch_ns(self.begin)


@dataclass(frozen=True)
class Lift:
    """Relative risk of an outcome (affected vs unaffected cases), its 95% CI and Fisher's exact p."""

    value: float
    ci_low: float
    ci_high: float
    p_value: float


@dataclass(frozen=True)
class Evidence:
    """What the engine measured for one candidate, before multiple-testing correction and scoring."""

    cases_affected: int
    customer_hours: float
    rate_affected: float | None = None  # complaint rate of affected cases
    rate_unaffected: float | None = None
    lift: Lift | None = None
    p_value: float | None = None  # the lift's Fisher p, or the kind's own test
    complaint_excess: float = 0.0  # complaining cases above the unaffected rate (or the hotspot's excess)
    q_value: float | None = None  # Benjamini–Hochberg over every tested candidate
