"""OCEL 2.0 logs as customer-journey sources (io/ocel.py): pm4py's real example in its three
serialisations, a small hand-made shop log with customers, the errors, and pm4py staying unimported
until a file is read."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from cxmine.core import schema
from cxmine.errors import InputError
from cxmine.io.ocel import CUSTOMER, Source, object_types, read_ocel
from cxmine.mining import pm4py_adapter as adapter

from conftest import DATA, run_subprocess

# pm4py's OCEL 2.0 example (tests/input_data/ocel/ocel20_example.*): tests/data when copied there, else
# the shared data folder next to the repository.
EXAMPLE_DIRS = (DATA, Path(__file__).resolve().parents[2] / "shared" / "data")
FORMATS = ("jsonocel", "xmlocel", "sqlite")
EXAMPLE_TYPES = ("Invoice", "Payment", "Purchase Order", "Purchase Requisition")
# The purchase requisition is what the internal customer raises: the journey every document serves.
EXAMPLE_CUSTOMER = "Purchase Requisition"


def example(suffix: str) -> Path:
    for folder in EXAMPLE_DIRS:
        path = folder / f"ocel20_example.{suffix}"
        if path.exists():
            return path
    pytest.skip(f"ocel20_example.{suffix} (pm4py's OCEL 2.0 example) is not in tests/data or ../shared/data")


def read(path: Path, customer_type: str) -> tuple[dict[str, Source], list]:
    notes: list = []
    sources = read_ocel(path, customer_type, notes)
    return {source.name: source for source in sources}, notes


def shape(source: Source) -> tuple[int, int, int]:
    """events, cases, events with a customer"""
    events = source.log.events
    return len(events), events[schema.CASE].nunique(), int(events[CUSTOMER].notna().sum())


def customers(source: Source) -> dict[str, str | None]:
    per_case = source.log.events.groupby(schema.CASE, observed=True)[CUSTOMER].first()
    return {str(case): (None if pd.isna(value) else str(value)) for case, value in per_case.items()}


@pytest.fixture(scope="module")
def pm4py():
    return adapter._pm4py()


# --- pm4py's example ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", FORMATS)
def test_object_types_of_the_example(suffix):
    assert object_types(example(suffix)) == EXAMPLE_TYPES


def test_sources_of_the_example_with_the_requisition_as_customer():
    sources, notes = read(example("jsonocel"), EXAMPLE_CUSTOMER)
    assert list(sources) == ["Invoice", "Payment", "Purchase Order"]
    assert {name: shape(source) for name, source in sources.items()} == {
        "Invoice": (9, 3, 0),
        "Payment": (3, 3, 0),
        "Purchase Order": (5, 2, 4),
    }
    # PR1 → PO1 is an object-to-object link; PO2 was bought without a requisition (maverick buying), and
    # invoices and payments are two and three links away from it, which does not count.
    assert customers(sources["Purchase Order"]) == {"PO1": "PR1", "PO2": None}
    assert customers(sources["Invoice"]) == {"R1": None, "R2": None, "R3": None}
    without = {note.message.split(":")[0]: note.count for note in notes if note.code == "ocel_case_without_customer"}
    assert without == {"Invoice": 3, "Payment": 3, "Purchase Order": 1}
    order = sources["Purchase Order"].log
    assert order.format == "ocel" and order.source == str(example("jsonocel"))
    assert [w.code for w in order.warnings] == ["ocel_case_without_customer"]
    assert order.to_dict()["columns_used"][CUSTOMER] == "Purchase Requisition object id"


def test_the_purchase_orders_in_detail():
    sources, _ = read(example("jsonocel"), EXAMPLE_CUSTOMER)
    events = sources["Purchase Order"].log.events
    assert list(events.columns[:5]) == [schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, CUSTOMER, "event_id"]
    assert events[schema.CASE].astype(str).tolist() == ["PO1"] * 4 + ["PO2"]
    assert events[schema.ACTIVITY].astype(str).tolist() == [
        "Create Purchase Order", "Change PO Quantity", "Insert Invoice", "Insert Invoice", "Create Purchase Order",
    ]  # fmt: skip
    assert events["event_id"].astype(str).tolist() == ["e3", "e4", "e5", "e6", "e10"]
    assert events[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2022-01-10 08:15", tz="UTC")
    # The event attributes of this process only, and the object's own attributes as case:<name>.
    assert set(events.columns) == {
        schema.CASE, schema.ACTIVITY, schema.TIMESTAMP, CUSTOMER, "event_id", "po_creator", "po_editor", "invoice_inserter",
        "case:po_product", "case:po_quantity",
    }  # fmt: skip
    assert events.drop_duplicates(schema.CASE)["case:po_product"].astype(str).tolist() == ["Cows", "Notebooks"]


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("customer_type", EXAMPLE_TYPES)
def test_the_canonical_table(suffix, customer_type):
    sources, _ = read(example(suffix), customer_type)
    assert customer_type not in sources
    for source in sources.values():
        events = source.log.events
        for column in (schema.CASE, schema.ACTIVITY, CUSTOMER):
            assert isinstance(events[column].dtype, pd.CategoricalDtype), column
            categories = list(events[column].cat.categories)
            assert categories == sorted(categories)
        assert str(events[schema.TIMESTAMP].dt.tz) == "UTC"
        keys = pd.DataFrame({"case": events[schema.CASE].astype(str), "time": events[schema.TIMESTAMP]})
        assert keys.equals(keys.sort_values(["case", "time"], kind="stable"))
        assert events[schema.ACTIVITY].notna().all() and events[schema.TIMESTAMP].notna().all()


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("customer_type", EXAMPLE_TYPES)
def test_every_case_has_at_most_one_customer(suffix, customer_type):
    sources, _ = read(example(suffix), customer_type)
    for source in sources.values():
        events = source.log.events
        assert (events.groupby(schema.CASE, observed=True)[CUSTOMER].nunique(dropna=True) <= 1).all()
        # ... and every event of a case carries it (or none does)
        assert (events.groupby(schema.CASE, observed=True)[CUSTOMER].apply(lambda s: s.isna().all() or s.notna().all())).all()


@pytest.mark.parametrize("customer_type", EXAMPLE_TYPES)
def test_the_three_formats_give_the_same_sources(customer_type):
    """Same names, events, cases, customers and attributes. The times differ by exactly one hour: the XML
    and SQLite copies of pm4py's example hold local times (CET) without an offset, read as UTC, while
    the JSON copy holds the same moments in UTC with +00:00."""
    json_sources, json_notes = read(example("jsonocel"), customer_type)
    for suffix in ("xmlocel", "sqlite"):
        sources, notes = read(example(suffix), customer_type)
        assert list(sources) == list(json_sources)
        assert [(n.code, n.message, n.count, n.examples) for n in notes] == [(n.code, n.message, n.count, n.examples) for n in json_notes]
        for name, source in sources.items():
            expected = json_sources[name].log.events
            assert shape(source) == shape(json_sources[name])
            assert customers(source) == customers(json_sources[name])
            pdt.assert_frame_equal(source.log.events.drop(columns=schema.TIMESTAMP), expected.drop(columns=schema.TIMESTAMP))
            assert set(source.log.events[schema.TIMESTAMP] - expected[schema.TIMESTAMP]) == {pd.Timedelta(hours=1)}


@pytest.mark.parametrize("customer_type", EXAMPLE_TYPES)
def test_same_events_as_pm4pys_own_flattening(pm4py, customer_type):
    path = example("jsonocel")
    ocel = adapter.read_ocel2(path)
    sources, _ = read(path, customer_type)
    assert set(sources) == set(EXAMPLE_TYPES) - {customer_type}
    for name, source in sources.items():
        theirs = pm4py.ocel_flattening(ocel, name)
        theirs = pd.DataFrame({
            "case": theirs["case:concept:name"].astype(str), "activity": theirs["concept:name"].astype(str),
            "time": pd.to_datetime(theirs["time:timestamp"], utc=True),
        })  # fmt: skip
        events = source.log.events
        ours = pd.DataFrame({"case": events[schema.CASE].astype(str), "activity": events[schema.ACTIVITY].astype(str), "time": events[schema.TIMESTAMP]})
        key = ["case", "time", "activity"]
        pdt.assert_frame_equal(
            ours.sort_values(key).reset_index(drop=True), theirs.sort_values(key).reset_index(drop=True), check_dtype=False,
        )  # fmt: skip


# --- errors ---------------------------------------------------------------------------------------


def test_an_unknown_customer_type_is_an_input_error_with_a_suggestion():
    path = example("jsonocel")
    with pytest.raises(InputError) as raised:
        read_ocel(path, "purchase requisitions", [])
    message = raised.value.user_message()
    assert raised.value.exit_code == 2
    assert raised.value.file == str(path)
    assert message.startswith(f"object type 'purchase requisitions' is not in the OCEL 2.0 log in {path} — ")
    assert "did you mean 'Purchase Requisition'?" in message
    assert "the object types are: 'Invoice', 'Payment', 'Purchase Order', 'Purchase Requisition'" in message


def test_an_unlike_customer_type_lists_the_types_without_a_guess():
    with pytest.raises(InputError) as raised:
        read_ocel(example("sqlite"), "customers", [])
    assert "did you mean" not in str(raised.value)
    assert "'Invoice', 'Payment', 'Purchase Order', 'Purchase Requisition'" in str(raised.value)


def test_no_customer_type_asks_for_one():
    with pytest.raises(InputError) as raised:
        read_ocel(example("xmlocel"), None, [])
    assert "needs the object type that plays the customer" in str(raised.value)
    assert "'Invoice', 'Payment', 'Purchase Order', 'Purchase Requisition'" in str(raised.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("log.csv", b"a,b\n1,2\n", "unknown OCEL 2.0 format"),
        ("broken.jsonocel", b'{"objectTypes": [', "not a readable OCEL 2.0 JSON file"),
        ("ocel1.jsonocel", json.dumps({"ocel:global-log": {}, "ocel:events": {}, "ocel:objects": {}}).encode(), "not a readable OCEL 2.0 JSON file"),
        ("broken.xmlocel", b"<log><events><event", "not a readable OCEL 2.0 XML file"),
        ("broken.sqlite", b"not a database at all, just text", "not a readable OCEL 2.0 SQLite file"),
        ("empty.jsonocel", b"", "the file is empty"),
    ],
)
def test_unreadable_files_are_input_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as raised:
        read_ocel(path, "customers", [])
    assert expected in str(raised.value)
    assert raised.value.file == str(path)


@pytest.mark.parametrize(("suffix", "as_suffix"), [("jsonocel", ".json"), ("xmlocel", ".xml"), ("sqlite", ".SQLITE")])
def test_the_plain_suffixes_read_the_same(tmp_path, suffix, as_suffix):
    copy = tmp_path / f"log{as_suffix}"
    copy.write_bytes(example(suffix).read_bytes())
    sources, _ = read(copy, EXAMPLE_CUSTOMER)
    expected, _ = read(example(suffix), EXAMPLE_CUSTOMER)
    for name, source in sources.items():
        pdt.assert_frame_equal(source.log.events, expected[name].log.events)


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        object_types(tmp_path / "nowhere.jsonocel")


# --- a shop with customers ------------------------------------------------------------------------


def _event(number: int, time: str, activity: str, objects: list[tuple[str, str]], resource: str | None = None) -> dict:
    return {
        "id": f"e{number}", "type": activity, "time": time,
        "attributes": [{"name": "org:resource", "value": resource}] if resource else [],
        "relationships": [{"objectId": o, "qualifier": q} for o, q in objects],
    }  # fmt: skip


SHOP = {
    "objectTypes": [
        {"name": "customers", "attributes": [{"name": "segment", "type": "string"}]},
        {"name": "orders", "attributes": [{"name": "channel", "type": "string"}]},
        {"name": "packages", "attributes": []},
        {"name": "tickets", "attributes": []},
        {"name": "stores", "attributes": []},
    ],
    "eventTypes": [
        {"name": name, "attributes": [{"name": "org:resource", "type": "string"}]}
        for name in ("Place order", "Change order", "Pay", "Pack", "Ship", "Open ticket", "Close ticket", "Restock")
    ],
    "objects": [
        {"id": "C1", "type": "customers", "attributes": [{"name": "segment", "time": "1970-01-01T00:00:00Z", "value": "gold"}]},
        {"id": "C2", "type": "customers", "relationships": [{"objectId": "O2", "qualifier": "places"}]},  # customer → order
        {"id": "C3", "type": "customers"},
        {"id": "C4", "type": "customers"},  # master data: in no event, only linked to
        {"id": "O1", "type": "orders", "attributes": [{"name": "channel", "time": "1970-01-01T00:00:00Z", "value": "web"}],
         "relationships": [{"objectId": "C1", "qualifier": "placed by"}]},
        {"id": "O2", "type": "orders", "attributes": [{"name": "channel", "time": "1970-01-01T00:00:00Z", "value": "app"}]},
        {"id": "O3", "type": "orders"},
        {"id": "O4", "type": "orders", "relationships": [{"objectId": "C3", "qualifier": "for"}, {"objectId": "C1", "qualifier": "placed by"}]},
        {"id": "K1", "type": "packages"},
        {"id": "K2", "type": "packages"},
        {"id": "O5", "type": "orders", "relationships": [{"objectId": "C4", "qualifier": "placed by"}]},
        {"id": "T1", "type": "tickets", "relationships": [{"objectId": "C2", "qualifier": "raised by"}]},
        {"id": "S1", "type": "stores"},  # a type without events: no process
    ],
    "events": [
        _event(1, "2024-01-01T09:00:00Z", "Place order", [("O1", "order"), ("C1", "customer")], "web"),
        _event(2, "2024-01-01T10:00:00Z", "Place order", [("O2", "order")], "app"),
        _event(3, "2024-01-02T09:00:00Z", "Place order", [("O3", "order"), ("C1", "customer")]),
        _event(4, "2024-01-02T10:00:00Z", "Change order", [("O3", "order"), ("C2", "customer")]),
        _event(5, "2024-01-02T11:00:00Z", "Pay", [("O3", "order"), ("O3", "paid"), ("C2", "payer")]),  # O3 twice: still one event
        _event(6, "2024-01-03T09:00:00Z", "Place order", [("O4", "order"), ("C3", "customer")]),
        _event(7, "2024-01-03T10:00:00Z", "Pay", [("O4", "order"), ("C3", "payer")]),
        _event(8, "2024-01-03T11:00:00Z", "Pack", [("O4", "order"), ("K1", "package"), ("C3", "recipient")], "Ann"),
        _event(9, "2024-01-04T09:00:00Z", "Pack", [("O1", "order"), ("O2", "order"), ("K2", "package")], "Ann"),
        _event(10, "2024-01-04T12:00:00+01:00", "Ship", [("K2", "package")], "Courier"),
        _event(11, "2024-01-05T09:00:00Z", "Open ticket", [("T1", "ticket"), ("C1", "cc")]),
        _event(12, "2024-01-05T10:00:00Z", "Close ticket", [("T1", "ticket")]),
        _event(13, "2024-01-06T09:00:00Z", "Place order", [("O5", "order")]),
        _event(14, "2024-01-06T10:00:00Z", "Restock", []),  # related to no object
    ],
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory, pm4py) -> dict[str, Path]:
    """The shop log as JSON (by hand) and as XML and SQLite (written by pm4py from the JSON)."""
    folder = tmp_path_factory.mktemp("shop")
    paths = {suffix: folder / f"shop.{suffix}" for suffix in FORMATS}
    paths["jsonocel"].write_text(json.dumps(SHOP), encoding="utf-8")
    ocel = adapter.read_ocel2(paths["jsonocel"])
    with adapter._keeping_objects_without_events():  # pm4py's writers drop them too (C4, S1)
        pm4py.write_ocel2_xml(ocel, str(paths["xmlocel"]))
        pm4py.write_ocel2_sqlite(ocel, str(paths["sqlite"]))
    return paths


@pytest.mark.parametrize("suffix", FORMATS)
def test_the_customer_of_each_case(shop, suffix):
    assert object_types(shop[suffix]) == ("customers", "orders", "packages", "stores", "tickets")
    sources, notes = read(shop[suffix], "customers")
    assert list(sources) == ["orders", "packages", "tickets"]
    assert customers(sources["orders"]) == {
        "O1": "C1",  # linked order → customer
        "O2": "C2",  # linked customer → order: links count in both directions
        "O3": "C2",  # no link: the customer of most of its events (C2 twice, C1 once)
        "O4": "C1",  # a link wins over shared events (C3 three times); tied links go to the first id
        "O5": "C4",  # a customer in no event, linked to: pm4py's importers alone would drop C4 and the link
    }
    assert customers(sources["packages"]) == {"K1": "C3", "K2": None}  # K2's events relate to no customer
    assert customers(sources["tickets"]) == {"T1": "C2"}  # linked to C2, though C1 shares its first event
    assert {name: shape(source) for name, source in sources.items()} == {"orders": (11, 5, 11), "packages": (3, 2, 1), "tickets": (2, 1, 2)}
    codes = [(note.code, note.count, note.examples) for note in notes]
    assert codes == [
        ("ocel_event_without_object", 1, ("e14",)),
        ("ocel_type_without_events", 1, ("stores",)),
        ("ocel_case_with_several_customers", 2, ("O3", "O4")),
        ("ocel_case_without_customer", 1, ("K2",)),
    ]
    assert notes[3].message.startswith("packages: 1 of 2 cases have no 'customers' object")


@pytest.mark.parametrize("suffix", FORMATS)
def test_events_shared_by_two_cases_and_the_resource(shop, suffix):
    sources, _ = read(shop[suffix], "customers")
    orders = sources["orders"].log.events
    assert orders.loc[orders["event_id"] == "e9", schema.CASE].astype(str).tolist() == ["O1", "O2"]  # one event, two orders
    packages = sources["packages"].log.events
    assert packages[schema.RESOURCE].astype(str).tolist() == ["Ann", "Ann", "Courier"]
    assert sources["packages"].log.columns_used[schema.RESOURCE] == "org:resource"
    assert packages[schema.TIMESTAMP].iloc[-1] == pd.Timestamp("2024-01-04 11:00", tz="UTC")  # 12:00+01:00
    assert orders.drop_duplicates(schema.CASE)["case:channel"].astype("string").tolist() == ["web", "app", pd.NA, pd.NA, pd.NA]
    assert schema.RESOURCE not in sources["tickets"].log.events.columns


def test_the_shop_is_the_same_in_the_three_formats(shop):
    json_sources, json_notes = read(shop["jsonocel"], "customers")
    for suffix in ("xmlocel", "sqlite"):
        sources, notes = read(shop[suffix], "customers")
        assert notes == json_notes
        for name, source in sources.items():
            pdt.assert_frame_equal(source.log.events, json_sources[name].log.events)


# --- the flattening on hand-made tables (no file, no pm4py) ---------------------------------------


def test_the_flattening_on_hand_made_tables():
    """What pm4py's importers already clean up, the flattening does not rely on: a relation written
    twice, an event id used twice, a relation to an unknown event, an object only a relation names."""
    from cxmine.io.ocel import sources_from_tables

    utc = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
    tables = adapter.OcelTables(
        events=pd.DataFrame({
            "event_id": ["e1", "e2", "e2", "e3"], "activity": ["Call", "Call back", "Duplicate", "Visit"],
            "timestamp": [utc("2024-01-01 09:00"), utc("2024-01-01 08:00"), utc("2024-01-03"), utc("2024-01-02")],
        }),  # fmt: skip
        objects=pd.DataFrame({"object_id": ["A", "C1"], "object_type": ["calls", "customers"]}),
        relations=pd.DataFrame({
            "event_id": ["e1", "e1", "e1", "e2", "e3", "e9"], "object_id": ["A", "A", "C1", "A", "B", "A"],
            "object_type": ["calls", "calls", "customers", "calls", "calls", "calls"], "qualifier": ["q", "r", "s", "q", "q", "q"],
        }),  # fmt: skip
        object_links=pd.DataFrame({"object_id": pd.Series([], dtype="str"), "linked_object_id": pd.Series([], dtype="str"), "qualifier": pd.Series([], dtype="str")}),
    )
    notes: list = []
    [calls] = sources_from_tables(tables, "customers", notes, source="hand-made")
    events = calls.log.events
    assert events[schema.CASE].astype(str).tolist() == ["A", "A", "B"]
    assert events[schema.ACTIVITY].astype(str).tolist() == ["Call back", "Call", "Visit"]  # sorted by time within A
    assert customers(calls) == {"A": "C1", "B": None}
    assert [(n.code, n.count) for n in notes] == [("ocel_repeated_event_id", 1), ("ocel_case_without_customer", 1)]


# --- pm4py only when a file is read ---------------------------------------------------------------


def test_pm4py_is_imported_only_when_a_file_is_read():
    path = example("jsonocel")
    script = (
        "import json, sys\n"
        "import cxmine.io.ocel as ocel\n"
        "before = 'pm4py' in sys.modules\n"
        f"sources = ocel.read_ocel({str(path)!r}, {EXAMPLE_CUSTOMER!r}, [])\n"
        "print(json.dumps([before, 'pm4py' in sys.modules, [s.name for s in sources]]))\n"
    )
    completed = run_subprocess("-c", script)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [False, True, ["Invoice", "Payment", "Purchase Order"]]  # nothing else on stdout
