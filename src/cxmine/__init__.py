"""cxmine: find where a process hurts its customers, from an event log.

Public API (imports are lazy so `cxmine --help` stays fast); each call has a runnable example in its
docstring:

    load_log(path, options) -> EventLog               the canonical event table
    load_inputs(path, options, config_path) -> Inputs  log + config + complaints, opened once
    rank_friction(inputs) -> FrictionReport            the ranked friction points and the critical few
    customer_timings(inputs) -> TimingsReport          customer-perceived timings and promise keeping
    build_report(inputs, period=...) -> Report         the weekly CX report
    discover(inputs, algorithm=...) -> DiscoveryResult the process map and a discovered model
    check_conformance(inputs, happy_path=...) -> ConformanceResult
    summarise(log) -> LogSummary                       what `cxmine inspect` shows
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxmine")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__", "load_log", "load_inputs", "rank_friction", "customer_timings", "build_report", "discover",
    "check_conformance", "summarise", "LoadOptions", "Inputs",
]

_LAZY = {
    "load_log": ("cxmine.io", "load_log"),
    "load_inputs": ("cxmine.inputs", "load_inputs"),
    "Inputs": ("cxmine.inputs", "Inputs"),
    "rank_friction": ("cxmine.api", "rank_friction"),
    "customer_timings": ("cxmine.api", "customer_timings"),
    "build_report": ("cxmine.api", "build_report"),
    "discover": ("cxmine.api", "discover"),
    "check_conformance": ("cxmine.api", "check_conformance"),
    "summarise": ("cxmine.core.summary", "summarise"),
    "LoadOptions": ("cxmine.model", "LoadOptions"),
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module  # noqa: PLC0415

        module, attribute = _LAZY[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(name)
