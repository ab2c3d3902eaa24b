"""Regenerate the golden outputs that tests/test_golden.py compares byte for byte.

Run from the repository root after an intended change of output, and say in the commit why:
    .venv/bin/python tests/golden/capture.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ORDERS = "examples/orders.csv"
HELPDESK = "tests/data/helpdesk.xes.gz"
HELPDESK_CONFIG = "examples/real/helpdesk.toml"

# name → cxmine arguments (run from the repository root)
CASES: dict[str, list[str]] = {
    "inspect-orders.json": ["inspect", ORDERS, "--format", "json"],
    "inspect-orders.md": ["inspect", ORDERS, "--format", "markdown"],
    "inspect-orders.txt": ["inspect", ORDERS],
    "friction-orders.json": ["friction", ORDERS, "--format", "json"],
    "friction-orders.md": ["friction", ORDERS, "--format", "markdown"],
    "friction-orders.csv": ["friction", ORDERS, "--format", "csv"],
    "friction-orders.txt": ["friction", ORDERS],
    "timings-orders.json": ["timings", ORDERS, "--format", "json"],
    "timings-orders.md": ["timings", ORDERS, "--format", "markdown"],
    "timings-orders.csv": ["timings", ORDERS, "--format", "csv"],
    "report-orders.md": ["report", ORDERS],
    "report-orders-week.md": ["report", ORDERS, "--period", "2026-W10", "--compare", "previous"],
    "conformance-orders.json": ["conformance", ORDERS, "--happy-path", "Order placed,Order confirmation sent,Pick items,Ship parcel,Delivered", "--format", "json"],
    "friction-helpdesk.json": ["friction", HELPDESK, "--config", HELPDESK_CONFIG, "--format", "json"],
    "friction-helpdesk.md": ["friction", HELPDESK, "--config", HELPDESK_CONFIG, "--format", "markdown"],
    "timings-helpdesk.json": ["timings", HELPDESK, "--config", HELPDESK_CONFIG, "--format", "json"],
    "inspect-helpdesk.json": ["inspect", HELPDESK, "--format", "json"],
}

ENV = {**os.environ, "NO_COLOR": "1", "CI": "1", "COLUMNS": "200", "TERM": "dumb", "PYTHONHASHSEED": "0"}


def run(args: list[str]) -> bytes:
    done = subprocess.run([sys.executable, "-m", "cxmine", *args], cwd=ROOT, env=ENV, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"cxmine {' '.join(args)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return done.stdout


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(CASES)
    for name in wanted:
        (HERE / name).write_bytes(run(CASES[name]))
        print("wrote", name)
