"""The parallel XES path (big files cut at trace boundaries, parsed in worker processes) gives exactly
the table of the one-process path, and reports broken files the same way."""
from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

import cxmine.io.xes as xes
from cxmine.errors import InputError
from cxmine.io import load_log

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "running-example.xes", "receipt.xes.gz"])
def test_parallel_equals_serial(monkeypatch, name):
    monkeypatch.setattr(xes, "PARALLEL_MIN_BYTES", 10**15)
    serial = load_log(DATA / name).events
    monkeypatch.setattr(xes, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 4)
    calls = []
    original = xes._parallel_rustxes
    monkeypatch.setattr(xes, "_parallel_rustxes", lambda path, workers: calls.append(workers) or original(path, 3))
    parallel = load_log(DATA / name).events
    assert calls, "the parallel path was not taken"
    pd.testing.assert_frame_equal(serial, parallel)


def test_parallel_path_reports_a_broken_file_with_its_line(monkeypatch, tmp_path):
    monkeypatch.setattr(xes, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(xes, "_usable_cores", lambda: 4)
    text = gzip.decompress((DATA / "receipt.xes.gz").read_bytes()).decode()
    cut = text.index("<event>", len(text) // 2)
    broken = tmp_path / "broken.xes"
    broken.write_text(text[:cut] + "<event><string key='a' value='b'></event>" + text[cut:])
    with pytest.raises(InputError) as caught:
        load_log(broken)
    assert caught.value.line is not None and caught.value.line > 1
