"""OCEL 2.0 logs (JSON, XML, SQLite) as customer-journey sources: one process per object type.

An object-centric log records each event once, related to any number of objects (an order, its
invoice, the payment, the customer). cxmine reads it per object type: each object of type T is one
case of the process T, and every event related to it is one of its events (an event related to two
orders is in both cases). The customer type is not a process: its objects say whose journey each case
belongs to, through an object-to-object link (an order "placed by" a customer) or, failing that,
through an event both share (the customer related to the order's events).

pm4py parses the file (through mining.pm4py_adapter, imported only when a file is read); the
flattening is ours, vectorised on its tables: pm4py's `ocel_flattening` does one object type per call
and knows nothing of customers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.core.normalise import normalise
from cxmine.errors import InputError
from cxmine.io import check_readable
from cxmine.matching import closest
from cxmine.model import EventLog, LoadOptions, Warning_

if TYPE_CHECKING:  # the tables pm4py's file becomes; the adapter is imported when a file is read
    from cxmine.mining.pm4py_adapter import OcelTables

CUSTOMER = "customer"
FORMAT = "ocel"

# The flattened table before normalise, under names no OCEL attribute is likely to carry.
_CASE, _ACTIVITY, _TIME, _CUSTOMER = "ocel:object", "ocel:activity", "ocel:time", "ocel:customer"
_EXAMPLES = 3


@dataclass(frozen=True)
class Source:
    """One process of the customer timeline: the events of the objects of one type.

    `log.events` is the canonical table (case_id = the object id, activity = the event type,
    timestamp = the event time in UTC, resource when an event attribute plays it) with `customer`
    (the customer object id of the case; missing when none is related), `event_id` (the OCEL event id:
    an event shared by two processes has the same id in both), the other event attributes, and the
    object's own attributes as `case:<name>` (their first recorded values)."""

    name: str
    log: EventLog


def object_types(path: Path) -> tuple[str, ...]:
    """The object types of an OCEL 2.0 file, sorted."""
    path = Path(path)
    check_readable(path)
    return _types(_read_tables(path))


def read_ocel(path: Path, customer_type: str | None, notes: list[Warning_]) -> list[Source]:
    """Every object type of the file except `customer_type`, as one Source each (sorted by name).

    `customer_type` must be one of the file's object types (None or an unknown type is an InputError
    listing them). `notes` receives every warning once, each naming its process; each Source's
    `log.warnings` holds its own as well, for its `to_dict()`."""
    path = Path(path)
    check_readable(path)
    tables = _read_tables(path)
    check_customer_type(customer_type, _types(tables), str(path))
    return sources_from_tables(tables, str(customer_type), notes, source=str(path))


def check_customer_type(customer_type: str | None, types: tuple[str, ...], source: str) -> None:
    listed = ", ".join(repr(t) for t in types) if types else "none"
    if customer_type is None:
        raise InputError(
            "an OCEL 2.0 log needs the object type that plays the customer", file=source,
            hint=f"name it (the customer type); the object types are: {listed}",
        )  # fmt: skip
    if customer_type not in types:
        close = closest(customer_type, types)
        raise InputError(
            f"object type {customer_type!r} is not in the OCEL 2.0 log", file=source,
            hint=(f"did you mean {close!r}? " if close else "") + f"the object types are: {listed}",
        )  # fmt: skip


def sources_from_tables(tables: OcelTables, customer_type: str, notes: list[Warning_], *, source: str) -> list[Source]:
    """The flattening itself, on the adapter's plain tables (pure pandas, no pm4py)."""
    events, file_notes = _unique_events(tables.events)
    relations = tables.relations[["event_id", "object_id", "object_type"]].dropna()
    position = pd.Index(events["event_id"]).get_indexer(relations["event_id"])
    relations = relations.assign(position=position)[position >= 0]
    # One row per (event, object): an object related to an event under two qualifiers is one event of its case.
    relations = relations.drop_duplicates(["event_id", "object_id"])
    customer_of, several = _customers(relations, tables.object_links, _type_of(tables), customer_type)
    notes.extend(file_notes)

    out = []
    types = [t for t in _types(tables) if t != customer_type]
    related = relations[relations["object_type"] != customer_type]
    groups = dict(tuple(related.groupby("object_type", sort=False, observed=True)))
    empty = [t for t in types if t not in groups]
    if empty:
        notes.append(
            Warning_(
                "ocel_type_without_events",
                "object types with no event were left out (no process to read): " + ", ".join(repr(t) for t in empty[:10]),
                len(empty), tuple(empty[:_EXAMPLES]),
            )
        )  # fmt: skip
    for name in types:
        if name not in groups:
            continue
        log = _source_log(name, groups[name], events, tables.objects, customer_of, several, customer_type, source)
        notes.extend(replace(w, message=f"{name}: {w.message}") for w in log.warnings)
        out.append(Source(name, log))
    return out


def _read_tables(path: Path) -> OcelTables:
    from cxmine.mining import pm4py_adapter  # noqa: PLC0415 - pm4py only when an OCEL file is read

    return pm4py_adapter.read_ocel_tables(path)


def _types(tables: OcelTables) -> tuple[str, ...]:
    found = pd.concat([tables.objects["object_type"], tables.relations["object_type"]], ignore_index=True).dropna()
    return tuple(sorted(set(found.astype(str).tolist())))


def _type_of(tables: OcelTables) -> pd.Series:
    """object id → object type; the objects table first, relations for objects it lacks."""
    both = pd.concat([tables.objects[["object_id", "object_type"]], tables.relations[["object_id", "object_type"]]], ignore_index=True)
    both = both.dropna().drop_duplicates("object_id")
    return pd.Series(both["object_type"].astype(str).to_numpy(), index=both["object_id"].astype(str).to_numpy())


def _unique_events(events: pd.DataFrame) -> tuple[pd.DataFrame, list[Warning_]]:
    repeated = events["event_id"].duplicated(keep="first").to_numpy()
    if not repeated.any():
        return events, []
    shown = tuple(events["event_id"][repeated].astype(str).unique()[:_EXAMPLES])
    note = Warning_("ocel_repeated_event_id", "events whose id was already used were left out (the first one with each id is kept)", int(repeated.sum()), shown)
    return events.loc[~repeated].reset_index(drop=True), [note]


def _customers(relations: pd.DataFrame, links: pd.DataFrame, type_of: pd.Series, customer_type: str) -> tuple[pd.Series, pd.Series]:
    """(object id → its customer id, object id → number of candidate customers) for every object with one.

    Candidates come from object-to-object links (either direction) when the object has any; else from
    the customer objects related to the object's events. The most frequent wins (links: how many link
    it; events: how many events the two share); ties go to the customer id first in text order, so the
    choice does not depend on the order of the file."""
    pairs = pd.concat(
        [
            pd.DataFrame({"case": links["object_id"].to_numpy(), "customer": links["linked_object_id"].to_numpy()}),
            pd.DataFrame({"case": links["linked_object_id"].to_numpy(), "customer": links["object_id"].to_numpy()}),
        ],
        ignore_index=True,
    ).dropna().astype(str)
    case_type = pairs["case"].map(type_of)
    pairs = pairs[(pairs["customer"].map(type_of) == customer_type) & case_type.notna() & (case_type != customer_type)]
    linked = pairs.groupby(["case", "customer"], sort=False).size().rename("weight").reset_index()

    is_customer = (relations["object_type"] == customer_type).to_numpy()
    owners = relations.loc[is_customer, ["event_id", "object_id"]].rename(columns={"object_id": "customer"})
    cases = relations.loc[~is_customer, ["event_id", "object_id"]].rename(columns={"object_id": "case"})
    cases = cases[~cases["case"].isin(linked["case"])]
    shared = cases.merge(owners, on="event_id", how="inner", sort=False).groupby(["case", "customer"], sort=False).size().rename("weight").reset_index()

    candidates = pd.concat([linked, shared.astype({"case": str, "customer": str})], ignore_index=True)
    if candidates.empty:
        return pd.Series(dtype=object), pd.Series(dtype="int64")
    candidates = candidates.sort_values(["case", "weight", "customer"], ascending=[True, False, True], kind="stable")
    several = candidates.groupby("case", sort=False).size()
    chosen = candidates.drop_duplicates("case")
    return pd.Series(chosen["customer"].to_numpy(), index=chosen["case"].to_numpy()), several


def _source_log(
    name: str, related: pd.DataFrame, events: pd.DataFrame, objects: pd.DataFrame, customer_of: pd.Series,
    several: pd.Series, customer_type: str, source: str,
) -> EventLog:  # fmt: skip
    related = related.sort_values("position", kind="stable")  # file order, which normalise keeps for ties
    picked = events.iloc[related["position"].to_numpy()].reset_index(drop=True)
    picked = picked.loc[:, picked.notna().any().to_numpy() | picked.columns.isin(["event_id", "activity", "timestamp"])]
    case = related["object_id"].astype(str).to_numpy()
    attributes = picked.drop(columns=["activity", "timestamp"])
    raw = pd.concat(
        [pd.DataFrame({_CASE: case, _ACTIVITY: picked["activity"].to_numpy(), _TIME: picked["timestamp"]}), attributes],
        axis=1,
    )
    raw[_CUSTOMER] = pd.Series(case).map(customer_of).to_numpy()
    raw = pd.concat([raw, _case_attributes(objects, name, case)], axis=1)

    resource = schema.detect([str(c) for c in attributes.columns if c != "event_id"], schema.RESOURCE, set())
    mapping = {schema.CASE: _CASE, schema.ACTIVITY: _ACTIVITY, schema.TIMESTAMP: _TIME, schema.START: None, schema.RESOURCE: resource}
    result = normalise(raw, LoadOptions(), source=source, mapping=mapping, row_label=lambda i: f"event {picked['event_id'].iat[i]}")
    frame = result.events
    if CUSTOMER in frame.columns:  # an event attribute named "customer" keeps its data under another name
        frame = frame.rename(columns={CUSTOMER: f"{CUSTOMER}_attribute"})
    frame = frame.rename(columns={_CUSTOMER: CUSTOMER})
    frame[CUSTOMER] = _sorted_category(frame[CUSTOMER])
    roles = [c for c in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.RESOURCE, schema.LIFECYCLE) if c in frame.columns]
    frame = frame[roles + [CUSTOMER] + [c for c in frame.columns if c not in roles and c != CUSTOMER]]

    warnings = list(result.warnings) + _customer_warnings(frame, several, name, customer_type)
    columns_used = {
        **result.columns_used,
        schema.CASE: f"{name} object id", schema.ACTIVITY: "event type", schema.TIMESTAMP: "event time",
        CUSTOMER: f"{customer_type} object id",
    }  # fmt: skip
    return EventLog(
        events=frame, source=source, format=FORMAT, columns_used=columns_used, warnings=tuple(warnings),
        rows_read=len(raw), rows_unusable=result.rows_unusable,
    )  # fmt: skip


def _case_attributes(objects: pd.DataFrame, name: str, case: np.ndarray) -> pd.DataFrame:
    """The attributes of each event's object, as `case:<name>` columns (those the type has at all)."""
    own = objects[objects["object_type"].astype(str) == name].drop_duplicates("object_id")
    own = own.drop(columns=["object_type"]).set_index(own["object_id"].astype(str)).drop(columns=["object_id"])
    own = own.loc[:, own.notna().any().to_numpy()]
    if not len(own.columns):
        return pd.DataFrame(index=pd.RangeIndex(len(case)))
    joined = pd.DataFrame({"object": case}).join(own, on="object")  # a left join keeps the event order
    return joined.drop(columns="object").rename(columns=lambda c: f"case:{c}")


def _sorted_category(values: pd.Series) -> pd.Series:
    text = values.astype("string")
    categories = pd.Index(sorted(set(text.dropna().tolist())), dtype="str")
    return pd.Series(pd.Categorical(text, categories=categories), index=values.index, name=values.name)


def _customer_warnings(frame: pd.DataFrame, several: pd.Series, name: str, customer_type: str) -> list[Warning_]:
    per_case = frame.groupby(schema.CASE, observed=True, sort=True)[CUSTOMER].first()
    cases = per_case.index.astype(str)
    out = []
    without = per_case.isna().to_numpy()
    if without.any():
        out.append(
            Warning_(
                "ocel_case_without_customer",
                f"{int(without.sum()):,} of {len(per_case):,} cases have no {customer_type!r} object (none linked to the "
                "object or related to its events); their customer is missing",
                int(without.sum()), tuple(cases[without][:_EXAMPLES]),
            )
        )  # fmt: skip
    counts = several.reindex(cases).fillna(0).to_numpy()
    many = counts > 1
    if many.any():
        out.append(
            Warning_(
                "ocel_case_with_several_customers",
                f"cases related to more than one {customer_type!r} object were given the most frequent one",
                int(many.sum()), tuple(cases[many][:_EXAMPLES]),
            )
        )  # fmt: skip
    return out
