"""cxmine: find where a process hurts its customers, from an event log.

Public API (imports are lazy so `cxmine --help` stays fast):
    load_log(path, options) -> EventLog
    summarise(log) -> LogSummary
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cxmine")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "load_log", "summarise", "LoadOptions"]


def __getattr__(name: str):
    if name == "load_log":
        from cxmine.io import load_log

        return load_log
    if name == "summarise":
        from cxmine.core.summary import summarise

        return summarise
    if name == "LoadOptions":
        from cxmine.model import LoadOptions

        return LoadOptions
    raise AttributeError(name)
