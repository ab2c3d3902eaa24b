"""Each detector on a small hand-built Journey, with exact expected cases and seconds.

The journeys are built from hand-written event rows (a canonical table, as every reader produces) by
`friction.prepare.prepare_journey`, so each test states its whole log in a few lines."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxmine.config import Config, FrictionSettings, Promise, Touchpoints
from cxmine.friction import deviation, signals
from cxmine.friction.contract import Journey
from cxmine.friction.prepare import prepare_journey
from cxmine.model import EventLog

HOUR = 3600.0
T0 = pd.Timestamp("2026-01-05 08:00", tz="UTC")


def _log(rows: list[tuple], extra: dict[str, list] | None = None) -> EventLog:
    """rows: (case, activity, hours after T0[, start hours]) in case/time order."""
    frame = pd.DataFrame(
        {
            "case_id": pd.Categorical([r[0] for r in rows]),
            "activity": pd.Categorical([r[1] for r in rows]),
            "timestamp": [T0 + pd.Timedelta(hours=r[2]) for r in rows],
        }
    )
    if any(len(r) > 3 for r in rows):
        frame["start_timestamp"] = [T0 + pd.Timedelta(hours=r[3]) if len(r) > 3 and r[3] is not None else pd.NaT for r in rows]
        frame["start_timestamp"] = pd.to_datetime(frame["start_timestamp"], utc=True)
    for name, values in (extra or {}).items():
        frame[name] = pd.Categorical(values)
    return EventLog(frame, "hand-built", "csv", {})


def _journey(rows, *, touchpoints=(), chasing=(), initiated=(), promises=(), extra=None, customer=None, team=None, complaints=None) -> Journey:
    config = Config(
        touchpoints=Touchpoints(activities=tuple(touchpoints), chasing=tuple(chasing), customer_initiated=tuple(initiated)),
        promises=tuple(promises), customer=customer, team=team, friction=FrictionSettings(),
    )
    journey, _found = prepare_journey(_log(rows, extra), config, complaints, [])
    return journey


def _cases(n: int, steps) -> list[tuple]:
    """n cases named c0…, each the same steps (activity, hours) unless a step is a callable of the case number."""
    rows = []
    for i in range(n):
        for activity, hours, *start in steps:
            h = hours(i) if callable(hours) else hours
            s = [start[0](i) if callable(start[0]) else start[0]] if start else []
            rows.append((f"c{i}", activity, h, *s))
    return rows


def test_customer_wait_finds_the_one_long_gap():
    rows = _cases(6, [("A", 0), ("B", lambda i: 10 if i == 5 else 1)])
    found = signals.customer_waits(_journey(rows, touchpoints=["A", "B"]))
    assert len(found) == 1
    wait = found[0]
    assert (wait.kind, wait.from_activity, wait.to_activity) == ("wait", "A", "B")
    assert wait.threshold_seconds == 2 * HOUR  # wait_factor 2 × the 1 h median
    assert wait.cases.tolist() == [5] and wait.excess_seconds.tolist() == [8 * HOUR]
    assert sorted(wait.values.tolist()) == [HOUR] * 5 + [10 * HOUR]


def test_a_gap_the_customer_ends_is_not_a_wait():
    rows = _cases(6, [("A", 0), ("B", lambda i: 10 if i == 5 else 1)])
    assert signals.customer_waits(_journey(rows, touchpoints=["A", "B"], initiated=["B"])) == []  # B: the customer comes back


def test_hidden_wait_behind_a_gap_adds_no_customer_time():
    rows = _cases(6, [("A", 0), ("B", lambda i: 10 if i == 5 else 1), ("C", lambda i: 11 if i == 5 else 2)])
    found = {(c.from_activity, c.to_activity): c for c in signals.internal_waits(_journey(rows, touchpoints=["A", "C"]))}
    hidden = found[("A", "B")]
    assert hidden.kind == "hidden_wait" and hidden.cases.tolist() == [5]
    assert hidden.excess_seconds.tolist() == [0.0]  # its time belongs to the customer-visible gap A → C
    assert hidden.details["customer_hours_inside_gaps"] == 8.0
    assert signals.internal_waits(_journey(rows)) == []  # without touchpoints nothing is hidden


def test_slow_step_uses_service_time():
    rows = _cases(6, [("A", 0), ("S", lambda i: 12 if i == 2 else 3, 2), ("Z", 13)])
    found = signals.slow_steps(_journey(rows))
    slow = [c for c in found if c.activity == "S"]
    assert len(slow) == 1 and slow[0].cases.tolist() == [2]
    assert slow[0].threshold_seconds == 2 * HOUR and slow[0].excess_seconds.tolist() == [8 * HOUR]


def test_rework_counts_each_case_once_with_its_loop_time():
    rows = _cases(4, [("A", 0), ("X", 1)]) + [("c9", "A", 0), ("c9", "X", 1), ("c9", "X", 4)]
    rework = signals.rework(_journey(rows))
    assert len(rework) == 1
    assert rework[0].activity == "X" and rework[0].n_affected == 1
    assert rework[0].values.tolist() == [3 * HOUR]
    assert rework[0].details["repetitions"] == 1


def test_ping_pong_direct_pair():
    rows = _cases(3, [("A", 0), ("B", 1), ("A", 2), ("C", 3)]) + [(f"d{i}", step, h) for i in range(4) for step, h in (("A", 0), ("C", 1))]
    found = [c for c in signals.ping_pong(_journey(rows)) if c.details["between"] == "activities" and c.details["style"] == "direct"]
    assert len(found) == 1
    assert {found[0].details["x"], found[0].details["y"]} == {"A", "B"} and found[0].n_affected == 3
    assert found[0].values.tolist() == [2 * HOUR] * 3


def test_a_loop_most_cases_go_through_is_the_designed_flow():
    rows = _cases(4, [("A", 0), ("B", 1), ("A", 2), ("C", 3)]) + _cases(1, [("A", 0), ("C", 1)])
    assert [c for c in signals.ping_pong(_journey(rows)) if c.details["style"] == "direct"] == []


def test_team_handbacks_roll_up_every_pair_and_skip_the_customer():
    teams = {"Take": "T1", "Check": "T2", "Fix": "T1", "Again": "T3", "Back": "T1", "Ask": "Customer", "Close": "T4"}
    bouncing = [("Take", 0), ("Check", 1), ("Fix", 2), ("Close", 3)]  # T1 → T2 → T1
    other = [("Take", 0), ("Again", 1), ("Back", 2), ("Close", 3)]  # T1 → T3 → T1
    calm = [("Take", 0), ("Ask", 1), ("Fix", 2), ("Close", 3)]  # T1 → customer → T1: the customer, not a hand-back
    rows = _cases(2, bouncing) + [(f"o{i}", a, h) for i in range(2) for a, h in other] + [(f"q{i}", a, h) for i in range(4) for a, h in calm]
    found = signals.handbacks(_journey(rows, touchpoints=["Take", "Ask", "Close"], initiated=["Ask"], extra={"team": [teams[r[1]] for r in rows]}, team="team"))
    assert len(found) == 1
    back = found[0]
    assert back.n_affected == 4 and back.details["handbacks"] == 4 and back.details["pairs"] == 2
    assert {(p["from"], p["to"]) for p in back.details["top_pairs"]} == {("T1", "T2"), ("T1", "T3")}
    assert back.excess_seconds.tolist() == [0.0] * 4  # inside customer-visible gaps: counted there


def test_chasing_costs_contact_minutes_per_call():
    rows = [("c0", "A", 0), ("c0", "Call", 1), ("c0", "Call", 2), ("c0", "B", 3), ("c1", "A", 0), ("c1", "B", 1)]
    found = signals.chasing(_journey(rows, touchpoints=["A", "B", "Call"], chasing=["Call"]))
    assert len(found) == 1 and found[0].cases.tolist() == [0]
    assert found[0].excess_seconds.tolist() == [2 * 600.0]  # two calls × 10 minutes
    assert found[0].details["contacts"] == 2


def test_broken_promise_counts_late_cases_from_the_deadline():
    rows = _cases(3, [("A", 0), ("C", lambda i: 5 if i == 1 else 1)])
    promise = Promise("A", "C", 2 * HOUR, "C within 2h")
    found = signals.broken_promises(_journey(rows, promises=[promise]))
    assert len(found) == 1
    assert found[0].cases.tolist() == [1] and found[0].excess_seconds.tolist() == [3 * HOUR]
    assert found[0].details["promise"] == {"applies": 3, "due": 3, "kept": 2, "late": 1, "open_past_due": 0, "void": 0, "pending": 0, "breach_rate": round(1 / 3, 6)}


def test_declined_cases_owe_no_promise_and_ended_cases_stop_the_clock():
    rows = [("c0", "A", 0), ("c0", "D", 1)] + [("c1", "A", 0), ("c1", "X", 10)] + [("c2", "A", 0), ("c2", "C", 1)]
    promise = Promise("A", "C", 2 * HOUR, "C within 2h", void_when=("D",))
    journey = _journey(rows, promises=[promise])
    states = dict(zip(journey.promise_outcomes["case"], journey.promise_outcomes["state"]))
    assert states == {0: "void", 1: "open_past_due", 2: "kept"}
    found = signals.broken_promises(journey)
    # c1 ended at X (10 h): the breach costs 8 h, never up to the log's end.
    assert found[0].cases.tolist() == [1] and found[0].excess_seconds.tolist() == [8 * HOUR]


def test_a_promise_applies_only_where_it_is_owed():
    rows = [("c0", "A", 0), ("c0", "Offer", 1), ("c0", "C", 5)] + [("c1", "A", 0), ("c1", "C", 9)]
    promise = Promise("A", "C", 2 * HOUR, "C within 2h", applies_when=("Offer",))
    found = signals.broken_promises(_journey(rows, promises=[promise]))
    assert found[0].cases.tolist() == [0] and found[0].details["promise"]["applies"] == 1


def test_complaint_hotspot_needs_more_complaints_than_time_share():
    rows = _cases(10, [("A", 0), ("B", 1), ("C", 100)])
    complaints = pd.DataFrame(
        {
            "case_id": pd.array([f"c{i}" for i in range(10)], dtype="string"),
            "customer": pd.array([pd.NA] * 10, dtype="string"),
            "timestamp": [T0 + pd.Timedelta(minutes=30)] * 10,  # all while between A and B (1% of the waiting time)
            "tag": ["late"] * 10,
            "severity": np.nan,
        }
    )
    found = signals.complaint_hotspots(_journey(rows, touchpoints=["A", "B", "C"], complaints=complaints))
    assert len(found) == 1
    hot = found[0]
    assert (hot.from_activity, hot.to_activity) == ("A", "B") and hot.n_affected == 10
    assert hot.complaint_cases == pytest.approx(10 - 10 * (1 / 100)) and hot.p_value < 1e-10


def test_repeat_contact_within_thirty_days():
    rows = [("c0", "A", 0), ("c0", "B", 1), ("c1", "A", 24 * 5), ("c1", "B", 24 * 5 + 1), ("c2", "A", 0), ("c2", "B", 1)]
    found = signals.repeat_contacts(_journey(rows, extra={"customer_id": ["k1", "k1", "k1", "k1", "k2", "k2"]}, customer="customer_id"))
    assert len(found) == 1 and found[0].cases.tolist() == [1]
    assert found[0].details["customers_with_repeat"] == 1


def test_deviation_candidates_from_the_journey():
    rows = _cases(4, [("A", 0), ("B", lambda i: 1 + i)])
    journey = _journey(rows, touchpoints=["A", "B"])
    journey.deviations = (pd.DataFrame({"case": [3], "activity": ["C"], "kind": ["skipped"], "count": [1]}), "the happy path")
    found = deviation.deviations(journey)
    assert len(found) == 1 and found[0].cases.tolist() == [3]
    assert found[0].threshold_seconds == 2 * HOUR  # median window of the other cases (1, 2, 3 h)
    assert found[0].excess_seconds.tolist() == [2 * HOUR]


def test_outbound_contacts_are_their_own_kind_and_not_rework():
    rows = [("c0", "A", 0), ("c0", "Call", 1), ("c0", "Call", 2), ("c0", "B", 3), ("c1", "A", 0), ("c1", "B", 1)]
    config_rows = rows
    from cxmine.config import Config, Touchpoints

    config = Config(touchpoints=Touchpoints(activities=("A", "B"), outbound=("Call",)))
    journey_out, _ = prepare_journey(_log(config_rows), config, None, [])
    found = signals.outbound_contacts(journey_out)
    assert len(found) == 1 and found[0].kind == "outbound_contact" and found[0].cases.tolist() == [0]
    assert found[0].details["contacts_per_affected_case"] == 2.0
    assert signals.rework(journey_out) == []  # calling twice is not doing the work twice


def test_open_cases_and_lead_times_over_ended_cases():
    from cxmine.core.shapes import case_status

    rows = [(f"e{i}", a, h) for i in range(20) for a, h in (("A", i), ("B", i + 1), ("Done", i + 2))] + [("o1", "A", 30), ("o1", "B", 31)]
    status = case_status(_log(rows).events)
    ended = dict(zip(_log(rows).events["case_id"].cat.categories, status["ended"]))
    assert ended["o1"] == False and all(ended[f"e{i}"] for i in range(20))  # noqa: E712 - numpy bools


def test_score_difference_on_near_identical_scores_is_quiet():
    """Replicated survey answers (every exposed customer gave the same score) made scipy print a
    "precision loss" RuntimeWarning on the user's stderr; the difference is still reported."""
    import warnings

    import numpy as np

    from cxmine.friction.stats import mean_difference

    exposed = np.full(5000, 3.0)
    others = np.r_[np.full(4999, 3.0), 3.0 + 1e-12]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        difference, interval = mean_difference(exposed, others)
    assert difference is not None and abs(difference) < 1e-12
    assert interval is None or all(np.isfinite(interval))
    assert mean_difference(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))[0] == -3.0
