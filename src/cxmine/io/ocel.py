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

# The flattened table before normalise, under pm4py's OCEL names (normalise's messages name them), and
# each row's object code, carried through normalise.
_CASE, _ACTIVITY, _TIME, _CODE = "ocel:oid", "ocel:activity", "ocel:timestamp", "ocel:object code"
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
    links = tables.object_links[["object_id", "linked_object_id"]].dropna()
    objects, relation_code, link_code = _objects(tables.objects, relations, links, customer_type)
    position = pd.Index(events["event_id"]).get_indexer(relations["event_id"])
    relations = relations.assign(position=position, object=relation_code)[position >= 0]
    # One row per (event, object): an object related to an event under two qualifiers is one event of its case.
    relations = relations.drop_duplicates(["position", "object"])
    alone = np.ones(len(events), dtype=bool)
    alone[relations["position"].to_numpy()] = False
    if alone.any():
        shown = tuple(events["event_id"][alone].astype(str)[:_EXAMPLES])
        file_notes.append(Warning_("ocel_event_without_object", "events related to no object belong to no process and were left out", int(alone.sum()), shown))
    customer_of, candidates = _customers(relations, link_code, objects)

    types = [t for t in _types(tables) if t != customer_type]
    related = relations[relations["object_type"] != customer_type]
    groups = dict(tuple(related.groupby("object_type", sort=False, observed=True)))
    empty = [t for t in types if t not in groups]
    if empty:
        file_notes.append(
            Warning_(
                "ocel_type_without_events",
                "object types with no event were left out (no process to read): " + ", ".join(repr(t) for t in empty[:10]),
                len(empty), tuple(empty[:_EXAMPLES]),
            )
        )  # fmt: skip
    notes.extend(file_notes)
    out = []
    for name in types:
        if name in groups:
            log = _source_log(name, groups[name], events, tables.objects, objects, customer_of, candidates, customer_type, source)
            notes.extend(replace(w, message=f"{name}: {w.message}") for w in log.warnings)
            out.append(Source(name, log))
    return out


def _read_tables(path: Path) -> OcelTables:
    from cxmine.mining import pm4py_adapter  # noqa: PLC0415 - pm4py only when an OCEL file is read

    return pm4py_adapter.read_ocel_tables(path)


def _types(tables: OcelTables) -> tuple[str, ...]:
    found = pd.concat([tables.objects["object_type"], tables.relations["object_type"]], ignore_index=True).dropna()
    return tuple(sorted(found.astype(str).unique().tolist()))


@dataclass(frozen=True)
class _Objects:
    """Every object id once (its code is its position), and whether it is of the customer type."""

    ids: np.ndarray
    is_customer: np.ndarray


def _objects(table: pd.DataFrame, relations: pd.DataFrame, links: pd.DataFrame, customer_type: str) -> tuple[_Objects, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The objects of every table, coded in one pass: (objects, the code of each relation's object, the
    codes of each link's two ends). An object's type comes from the objects table, else from a relation;
    an object only a link names has none (it is never a customer, and has no events)."""
    known = table[["object_id", "object_type"]].dropna()
    every = pd.concat([known["object_id"], relations["object_id"], links["object_id"], links["linked_object_id"]], ignore_index=True)
    codes, ids = pd.factorize(every.astype(str))
    ends = np.cumsum([len(known), len(relations), len(links)])
    kinds = np.full(len(ids), None, dtype=object)
    kinds[codes[ends[0] : ends[1]]] = relations["object_type"].astype(str).to_numpy(dtype=object)
    kinds[codes[: ends[0]]] = known["object_type"].astype(str).to_numpy(dtype=object)  # the objects table wins
    objects = _Objects(np.asarray(ids, dtype=object), kinds == customer_type)
    return objects, codes[ends[0] : ends[1]], (codes[ends[1] : ends[2]], codes[ends[2] :])


def _unique_events(events: pd.DataFrame) -> tuple[pd.DataFrame, list[Warning_]]:
    repeated = events["event_id"].duplicated(keep="first").to_numpy()
    if not repeated.any():
        return events, []
    shown = tuple(events["event_id"][repeated].astype(str).unique()[:_EXAMPLES])
    note = Warning_("ocel_repeated_event_id", "events whose id was already used were left out (the first one with each id is kept)", int(repeated.sum()), shown)
    return events.loc[~repeated].reset_index(drop=True), [note]


def _customers(relations: pd.DataFrame, links: tuple[np.ndarray, np.ndarray], objects: _Objects) -> tuple[np.ndarray, np.ndarray]:
    """For each object code: the code of its customer (-1: none) and how many candidates it had.

    Candidates come from object-to-object links (either direction) when the object has any; else from
    the customer objects related to the object's events. The most frequent wins (links: how many link
    it; events: how many events the two share); ties go to the customer id first in text order, so the
    choice does not depend on the order of the file."""
    n = len(objects.ids)
    one, other = links
    case, customer = np.concatenate([one, other]), np.concatenate([other, one])
    keep = objects.is_customer[customer] & ~objects.is_customer[case]
    case, customer = case[keep], customer[keep]
    has_link = np.zeros(n, dtype=bool)
    has_link[case] = True

    code, position = relations["object"].to_numpy(), relations["position"].to_numpy()
    owner = objects.is_customer[code]
    mine = ~owner & ~has_link[code]
    shared = pd.DataFrame({"position": position[mine], "case": code[mine]}).merge(
        pd.DataFrame({"position": position[owner], "customer": code[owner]}), on="position", how="inner", sort=False,
    )  # fmt: skip

    pairs = np.concatenate([case, shared["case"].to_numpy()]).astype(np.int64) * n + np.concatenate([customer, shared["customer"].to_numpy()])
    pairs, weight = np.unique(pairs, return_counts=True)
    case, customer = np.divmod(pairs, n)
    named = np.unique(customer)
    rank = np.zeros(n, dtype=np.int64)
    rank[named[np.argsort(objects.ids[named].astype(str), kind="stable")]] = np.arange(len(named))
    order = np.lexsort((rank[customer], -weight, case))
    case, customer = case[order], customer[order]
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    customer_of = np.full(n, -1, dtype=np.int64)
    customer_of[case[first]] = customer[first]
    return customer_of, np.bincount(case, minlength=n)


def _source_log(
    name: str, related: pd.DataFrame, events: pd.DataFrame, object_table: pd.DataFrame, objects: _Objects,
    customer_of: np.ndarray, candidates: np.ndarray, customer_type: str, source: str,
) -> EventLog:  # fmt: skip
    related = related.sort_values("position", kind="stable")  # file order, which normalise keeps for ties
    picked = events.iloc[related["position"].to_numpy()].reset_index(drop=True)
    picked = picked.loc[:, picked.notna().any().to_numpy() | picked.columns.isin(["event_id", "activity", "timestamp"])]
    attributes = picked.drop(columns=["activity", "timestamp"])
    code = related["object"].to_numpy()
    raw = pd.concat(
        [
            pd.DataFrame({_CASE: objects.ids[code], _ACTIVITY: picked["activity"].to_numpy(), _TIME: picked["timestamp"], _CODE: code}),
            attributes, _case_attributes(object_table, name, objects.ids[code]),
        ],
        axis=1,
    )  # fmt: skip
    resource = schema.detect([str(c) for c in attributes.columns if c != "event_id"], schema.RESOURCE, set())
    mapping = {schema.CASE: _CASE, schema.ACTIVITY: _ACTIVITY, schema.TIMESTAMP: _TIME, schema.START: None, schema.RESOURCE: resource}
    result = normalise(raw, LoadOptions(), source=source, mapping=mapping, row_label=lambda i: f"event {picked['event_id'].iat[i]}")
    frame = result.events
    if CUSTOMER in frame.columns:  # an event attribute named "customer" keeps its data under another name
        frame = frame.rename(columns={CUSTOMER: f"{CUSTOMER}_attribute"})

    # Each row carries its object's code through normalise (which may strip, drop and reorder rows).
    code = frame.pop(_CODE).to_numpy(dtype=np.int64)
    frame[CUSTOMER] = _customer_column(customer_of[code], objects.ids)
    roles = [c for c in (schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, schema.START, schema.RESOURCE, schema.LIFECYCLE) if c in frame.columns]
    frame = frame[roles + [CUSTOMER] + [c for c in frame.columns if c not in roles and c != CUSTOMER]]

    case_codes = frame[schema.CASE].cat.codes.to_numpy()
    starts = np.flatnonzero(np.r_[True, case_codes[1:] != case_codes[:-1]]) if len(frame) else np.zeros(0, dtype=np.int64)
    cases = np.asarray(frame[schema.CASE].cat.categories.astype(str), dtype=object)[case_codes[starts]]
    first = code[starts]  # one row per case: its customer is the case's
    warnings = list(result.warnings) + _customer_warnings(cases, customer_of[first] < 0, candidates[first] > 1, customer_type)
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


def _customer_column(customer: np.ndarray, ids: np.ndarray) -> pd.Categorical:
    """Customer codes (-1: none) → a categorical of their ids (categories: the ids used, sorted)."""
    used = np.unique(customer[customer >= 0])
    names = ids[used].astype(str)
    order = np.argsort(names, kind="stable")
    remap = np.full(len(ids) + 1, -1, dtype=np.int64)  # the last slot answers code -1 (no customer)
    remap[used[order]] = np.arange(len(used))
    categories = pd.Index(names[order].tolist(), dtype="str")
    return pd.Categorical.from_codes(remap[customer], dtype=pd.CategoricalDtype(categories))


def _customer_warnings(cases: np.ndarray, without: np.ndarray, several: np.ndarray, customer_type: str) -> list[Warning_]:
    out = []
    if without.any():
        out.append(
            Warning_(
                "ocel_case_without_customer",
                f"{int(without.sum()):,} of {len(cases):,} cases have no {customer_type!r} object (none linked to the "
                "object or related to its events); their customer is missing",
                int(without.sum()), tuple(cases[without][:_EXAMPLES].tolist()),
            )
        )  # fmt: skip
    if several.any():
        out.append(
            Warning_(
                "ocel_case_with_several_customers",
                f"cases related to more than one {customer_type!r} object were given the most frequent one (on a tie, the first by id)",
                int(several.sum()), tuple(cases[several][:_EXAMPLES].tolist()),
            )
        )  # fmt: skip
    return out
