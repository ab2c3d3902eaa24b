"""The multi-process example in examples/journeys: the generator is deterministic, the committed files are
its output, and planted.json tells the truth about the three CSVs. Everything is recounted here with pandas
only (independently of the generator's own counting and of cxmine)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_subprocess

ROOT = Path(__file__).resolve().parents[1]
JOURNEYS = ROOT / "examples" / "journeys"
GENERATOR = JOURNEYS / "generate.py"
OUTPUTS = ("orders.csv", "tickets.csv", "survey.csv", "planted.json")
DAY = pd.Timedelta(days=1)
PROMISE = 3 * DAY  # cxmine.toml: Shipped -> Delivered within 3d


def _generate(out: Path) -> None:
    completed = run_subprocess(str(GENERATOR), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    assert {p.name for p in out.iterdir()} == set(OUTPUTS)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("journeys")
    _generate(out)
    return out


@pytest.fixture(scope="module")
def planted() -> dict:
    return json.loads((JOURNEYS / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    orders = pd.read_csv(JOURNEYS / "orders.csv", dtype=str)
    tickets = pd.read_csv(JOURNEYS / "tickets.csv", dtype=str)
    survey = pd.read_csv(JOURNEYS / "survey.csv", dtype={"customer_id": str, "answered_at": str, "nps": int})
    for frame, column in ((orders, "timestamp"), (tickets, "timestamp"), (survey, "answered_at")):
        assert frame[column].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00").all()
        frame["t"] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return orders, tickets, survey


@pytest.fixture(scope="module")
def waits(frames) -> pd.DataFrame:
    """One row per shipped order: customer, Shipped, end of the wait (Delivered or Cancelled), delayed."""
    orders = frames[0]
    first = orders.groupby(["order_id", "activity"])["t"].min().unstack()
    first["customer_id"] = orders.groupby("order_id")["customer_id"].first()
    shipped = first[first["Shipped"].notna()].copy()
    after = [shipped[c].where(shipped[c] > shipped["Shipped"]) for c in ("Delivered", "Cancelled")]
    shipped["end"] = pd.concat(after, axis=1).min(axis=1)
    shipped["delayed"] = shipped["end"] - shipped["Shipped"] > PROMISE
    return shipped


def _opened(tickets: pd.DataFrame) -> pd.DataFrame:
    return tickets.loc[tickets["activity"] == "Ticket opened", ["ticket_id", "customer_id", "t", "channel"]]


def _orders_with_ticket(waits: pd.DataFrame, tickets: pd.DataFrame, until: str | pd.Timedelta) -> pd.Index:
    pairs = waits.reset_index()[["order_id", "customer_id", "Shipped", "end"]].merge(_opened(tickets), on="customer_id")
    limit = pairs["end"] if isinstance(until, str) else pairs["Shipped"] + until
    return pd.Index(pairs.loc[(pairs["t"] >= pairs["Shipped"]) & (pairs["t"] <= limit), "order_id"].unique())


def test_generator_is_deterministic(generated: Path, tmp_path: Path) -> None:
    _generate(tmp_path)
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes(), name


def test_committed_files_are_the_generator_output(generated: Path) -> None:
    for name in OUTPUTS:
        assert (JOURNEYS / name).read_bytes() == (generated / name).read_bytes(), f"regenerate {name}"
    assert sum((JOURNEYS / name).stat().st_size for name in OUTPUTS) < 1_500_000


def test_columns_and_totals(frames, planted: dict) -> None:
    orders, tickets, survey = frames
    assert list(orders.columns[:6]) == ["order_id", "customer_id", "activity", "timestamp", "resource", "channel"]
    assert list(tickets.columns[:6]) == ["ticket_id", "customer_id", "activity", "timestamp", "team", "channel"]
    assert list(survey.columns[:3]) == ["customer_id", "answered_at", "nps"]
    assert set(orders["activity"]) == {"Order placed", "Payment confirmed", "Picked", "Shipped", "Delivered", "Cancelled"}
    assert set(tickets["activity"]) == {"Ticket opened", "Answered", "Escalated to warehouse", "Warehouse replied",
                                        "Closed", "Reopened"}
    assert set(tickets["channel"]) == {"phone", "chat", "email"}
    assert survey["nps"].between(0, 10).all() and survey["customer_id"].is_unique
    assert planted["seed"] == 2026
    assert planted["orders"] == orders["order_id"].nunique() == 1500
    assert planted["order_events"] == len(orders)
    assert planted["customers"] == orders["customer_id"].nunique() == 900
    assert planted["tickets"] == tickets["ticket_id"].nunique()
    assert planted["ticket_events"] == len(tickets)
    assert planted["survey_answers"] == len(survey)
    # Within every case, events are in time order; every order starts with Order placed, every ticket opens.
    for frame, case, start in ((orders, "order_id", "Order placed"), (tickets, "ticket_id", "Ticket opened")):
        assert frame.groupby(case)["t"].apply(lambda t: t.is_monotonic_increasing).all()
        assert (frame.groupby(case)["activity"].first() == start).all()


def test_sources_share_no_case_ids_and_all_customers_ordered(frames) -> None:
    orders, tickets, survey = frames
    order_ids, ticket_ids = set(orders["order_id"]), set(tickets["ticket_id"])
    assert not order_ids & ticket_ids
    assert not (order_ids | ticket_ids) & set(survey.columns)
    assert "order_id" not in tickets.columns and "ticket_id" not in orders.columns
    assert "order_id" not in survey.columns and "ticket_id" not in survey.columns
    customers = set(orders["customer_id"])
    assert set(tickets["customer_id"]) <= customers
    assert set(survey["customer_id"]) <= customers


def test_delivery_delay_drives_contacts_in_the_wait(frames, waits: pd.DataFrame, planted: dict) -> None:
    orders, tickets, _ = frames
    spec = planted["planted"][0]
    assert spec["name"] == "delivery_delay_contacts"
    m = spec["measured"]
    delayed = waits["delayed"]
    assert m["shipped_orders"] == len(waits)
    assert m["delayed_orders"] == int(delayed.sum()) == spec["planted_counts"]["delayed_orders"]
    assert m["share_of_orders"] == round(delayed.sum() / orders["order_id"].nunique(), 4)
    assert 0.17 <= m["share_of_orders"] <= 0.23
    gap = (waits["Delivered"] - waits["Shipped"]) / DAY
    assert gap[delayed].min() > 4.5 and gap[delayed].max() < 9.5  # delivered on day 5-9 after shipping
    assert gap[~delayed].min() > 0.5 and gap[~delayed].max() < 2.5  # on day 1-2
    assert m["delayed_orders_cancelled_while_waiting"] == int((delayed & waits["Cancelled"].notna()).sum())

    inside = waits.index.isin(_orders_with_ticket(waits, tickets, "end"))
    assert m["delayed_orders_with_ticket_in_wait"] == int((delayed & inside).sum())
    assert m["on_time_orders_with_ticket_in_wait"] == int((~delayed & inside).sum())
    assert m["on_time_orders"] == int((~delayed).sum())
    # Chance tickets only add to what was planted.
    assert m["delayed_orders_with_ticket_in_wait"] >= spec["planted_counts"]["delayed_orders_with_ticket_in_wait"]
    assert m["on_time_orders_with_ticket_in_wait"] >= spec["planted_counts"]["on_time_orders_with_ticket_in_wait"]
    delayed_rate, on_time_rate = inside[delayed].mean(), inside[~delayed].mean()
    assert m["delayed_ticket_rate"] == round(delayed_rate, 4) and m["on_time_ticket_rate"] == round(on_time_rate, 4)
    assert 0.35 <= delayed_rate <= 0.48 and 0.03 <= on_time_rate <= 0.07

    # The same holds in one fixed window for all orders: a week after Shipped.
    week = waits.index.isin(_orders_with_ticket(waits, tickets, 7 * DAY))
    assert m["delayed_orders_with_ticket_within_7d_after_shipped"] == int((delayed & week).sum())
    assert m["on_time_orders_with_ticket_within_7d_after_shipped"] == int((~delayed & week).sum())
    assert week[delayed].mean() > 3 * week[~delayed].mean()

    customers = waits.loc[delayed, "customer_id"]
    assert m["customers_with_delayed_order"] == customers.nunique()
    assert m["of_them_with_ticket_in_a_delayed_wait"] == waits.loc[delayed & inside, "customer_id"].nunique()


def test_delayed_deliveries_make_detractors_and_cancellations(frames, waits: pd.DataFrame, planted: dict) -> None:
    orders, _, survey = frames
    spec = planted["planted"][1]
    assert spec["name"] == "delayed_deliveries_detractors"
    m = spec["measured"]
    ends = orders.groupby("customer_id")["t"].max()
    assert (survey["t"].to_numpy() > ends[survey["customer_id"]].to_numpy()).all()  # after all their orders
    delayed_ids = set(waits.index[waits["delayed"]])
    hurt = survey["customer_id"].isin(set(waits.loc[waits["delayed"], "customer_id"]))
    bad, good = survey.loc[hurt, "nps"], survey.loc[~hurt, "nps"]
    assert m["answers"] == len(survey)
    assert m["answers_customers_with_delayed_order"] == len(bad) == spec["planted_counts"]["answers_of_customers_with_delayed_order"]
    assert m["answers_other_customers"] == len(good)
    placed = orders[orders["activity"] == "Order placed"].sort_values("t")
    last_order = placed.groupby("customer_id")["order_id"].last()
    last_delayed = int(survey["customer_id"].map(last_order).isin(delayed_ids).sum())
    assert m["of_them_last_order_delayed"] == last_delayed == spec["planted_counts"]["of_them_last_order_delayed"]
    assert m["mean_nps_delayed"] == round(bad.mean(), 2) and m["mean_nps_other"] == round(good.mean(), 2)
    assert m["detractors_delayed"] == int((bad < 7).sum()) and m["detractors_other"] == int((good < 7).sum())
    assert 3 <= bad.mean() <= 6 and 8 <= good.mean() <= 10
    assert (bad < 7).mean() > 0.75 and (good < 7).mean() < 0.1

    cancelled = set(orders.loc[orders["activity"] == "Cancelled", "order_id"])
    others = set(orders["order_id"]) - delayed_ids
    assert m["cancelled_delayed_orders"] == len(cancelled & delayed_ids)
    assert m["cancelled_other_orders"] == len(cancelled & others)
    assert m["cancel_rate_delayed"] == round(len(cancelled & delayed_ids) / len(delayed_ids), 4)
    assert m["cancel_rate_delayed"] > 3 * m["cancel_rate_other"]
    assert m["cancelled_delayed_orders"] == spec["planted_counts"]["cancelled_while_waiting"]
    assert m["cancelled_other_orders"] == spec["planted_counts"]["cancelled_before_picking"]


def test_repeat_contact_on_another_channel(frames, waits: pd.DataFrame, planted: dict) -> None:
    tickets = frames[1]
    spec = planted["planted"][2]
    assert spec["name"] == "repeat_contact_other_channel"
    m = spec["measured"]
    opened = _opened(tickets)
    pairs = opened.merge(opened, on="customer_id", suffixes=("", "_before"))
    repeat = pairs[(pairs["t_before"] < pairs["t"]) & (pairs["t"] - pairs["t_before"] <= 7 * DAY)
                   & (pairs["channel"] != pairs["channel_before"])]
    assert m["tickets"] == len(opened)
    assert m["repeat_contacts"] == repeat["ticket_id"].nunique() >= spec["planted_counts"]["follow_up_tickets"]
    assert m["customers_with_repeat_contact"] == repeat["customer_id"].nunique()
    # Mostly after a ticket opened while a delayed order was on its way.
    in_wait = waits.reset_index()[["order_id", "customer_id", "Shipped", "end", "delayed"]].merge(opened, on="customer_id")
    in_wait = in_wait[in_wait["delayed"] & (in_wait["t"] >= in_wait["Shipped"]) & (in_wait["t"] <= in_wait["end"])]
    first_in_delay = set(in_wait["ticket_id"])
    followed = set(repeat["ticket_id_before"])
    assert m["tickets_in_delayed_wait"] == len(first_in_delay)
    assert m["of_them_followed_by_repeat_contact"] == len(first_in_delay & followed)
    assert m["other_tickets_followed_by_repeat_contact"] == len(followed - first_in_delay)
    delay_rate = len(first_in_delay & followed) / len(first_in_delay)
    other_rate = len(followed - first_in_delay) / (len(opened) - len(first_in_delay))
    assert delay_rate > 3 * other_rate


def test_red_herring_is_slow_but_harmless(frames, waits: pd.DataFrame, planted: dict) -> None:
    _, tickets, survey = frames
    spec = planted["red_herring"]
    assert spec["from_activity"] == "Escalated to warehouse"
    m = spec["measured"]
    steps = tickets[tickets["activity"].isin(["Escalated to warehouse", "Warehouse replied"])]
    steps = steps.groupby(["ticket_id", "activity"])["t"].min().unstack()
    days = (steps["Warehouse replied"] - steps["Escalated to warehouse"]) / DAY
    escalated = set(steps.index)
    opened = _opened(tickets)
    everyone = set(opened["ticket_id"])
    assert m["escalated_tickets"] == len(escalated) == spec["planted_counts"]["escalated_tickets"]
    assert days.min() >= 2 and days.max() <= 6 and m["escalation_days"][1] == round(days.median(), 2)
    assert 0.25 <= len(escalated) / len(everyone) <= 0.35

    # Equally often for tickets about a delayed order and for the rest ...
    pairs = waits.reset_index()[["customer_id", "Shipped", "end", "delayed"]].merge(opened, on="customer_id")
    in_delay = set(pairs.loc[pairs["delayed"] & (pairs["t"] >= pairs["Shipped"]) & (pairs["t"] <= pairs["end"]), "ticket_id"])
    rate_delay = len(escalated & in_delay) / len(in_delay)
    rate_other = len(escalated - in_delay) / len(everyone - in_delay)
    assert m["escalation_rate_in_delayed_wait"] == round(rate_delay, 4)
    assert abs(rate_delay - rate_other) < 0.06
    # ... and it raises nothing: reopening, repeat contact and detractors are alike with and without it.
    reopened = set(tickets.loc[tickets["activity"] == "Reopened", "ticket_id"])
    assert abs(len(reopened & escalated) / len(escalated) - len(reopened - escalated) / len(everyone - escalated)) < 0.03
    assert abs(m["repeat_contact_rate_escalated"] - m["repeat_contact_rate_not_escalated"]) < 0.03
    voiced = opened.merge(survey[["customer_id", "nps"]], on="customer_id")
    esc = voiced["ticket_id"].isin(escalated)
    assert m["detractor_rate_escalated"] == round((voiced.loc[esc, "nps"] < 7).mean(), 4)
    assert m["detractor_rate_not_escalated"] == round((voiced.loc[~esc, "nps"] < 7).mean(), 4)
    assert abs(m["detractor_rate_escalated"] - m["detractor_rate_not_escalated"]) < 0.05
    # Per customer too: customers with an escalated ticket against the other customers who contacted support.
    escalated_customers = set(opened.loc[opened["ticket_id"].isin(escalated), "customer_id"])
    answered = survey.set_index("customer_id")["nps"]
    with_it = answered[answered.index.isin(escalated_customers)]
    without = answered[answered.index.isin(set(opened["customer_id"]) - escalated_customers)]
    assert m["customers_with_escalated_ticket"] == len(escalated_customers)
    assert m["detractor_rate_customers_escalated"] == round((with_it < 7).mean(), 4)
    assert m["detractor_rate_customers_not_escalated"] == round((without < 7).mean(), 4)
    assert abs((with_it < 7).mean() - (without < 7).mean()) < 0.05
