"""The weekly CX friction report: one period of a log, its headline numbers, the critical few with their
evidence, weekly trends, a comparison with a baseline and CI gates.

`build.build_report` is pure (data in, frozen `Report` out); `compare` matches it against a baseline and
evaluates `--fail-on` rules; `redact` hashes identifiers and hides small groups. Rendering lives in
`cxmine.render.report_md`, `cxmine.render.report_html` and `cxmine.render.charts`.
"""
from __future__ import annotations

from cxmine.report.build import Period, Report, build_report, parse_period

__all__ = ["Period", "Report", "build_report", "parse_period"]
