"""Charts for the HTML report, drawn with matplotlib into inline SVG strings.

Deterministic: the same data gives byte-identical SVG (a fixed `svg.hashsalt`, no date or creator
metadata, text kept as text, ids prefixed per chart so several charts can share one HTML page). No
pyplot and no GUI: figures are made with the object API on the Agg canvas and saved as SVG, so nothing
global is switched and nothing needs a display.
"""
from __future__ import annotations

import io
import math
import re
import textwrap
from typing import Any, Sequence


ACCENT = "#c2410c"  # friction: warm orange-red
INK = "#1f2937"
MUTED = "#6b7280"
GRID = "#e5e7eb"
BOX = "#fde7d9"
PERIOD = "#fef3c7"
THRESHOLD = "#111827"
# Log-axis ticks at round durations, each at least ~2× the previous so labels never collide.
_TICKS = (
    (1, "1s"), (10, "10s"), (60, "1m"), (600, "10m"), (3600, "1h"), (4 * 3600, "4h"), (86400, "1d"), (2 * 86400, "2d"),
    (7 * 86400, "1w"), (14 * 86400, "2w"), (30 * 86400, "30d"), (90 * 86400, "90d"), (365 * 86400, "1y"),
)

_RC = {
    "svg.hashsalt": "cxmine-report",
    "svg.fonttype": "none",  # text stays text: small, selectable, readable by screen readers
    "svg.image_inline": True,
    "font.family": ["DejaVu Sans"],
    "font.size": 9,
    "axes.edgecolor": GRID,
    "axes.labelcolor": INK,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "path.simplify": False,
}

_HEAD = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
# matplotlib's `*{stroke-linejoin…}` rule would apply to the whole HTML page; the page's CSS scopes it instead.
_GLOBAL_STYLE = re.compile(r"\s*<defs>\s*<style[^>]*>[^<]*</style>\s*</defs>", re.DOTALL)
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'xlink:href="#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def inline_svg(figure, name: str, title: str) -> str:
    """Save a matplotlib figure as SVG text fit for inlining (see `clean_svg`)."""
    import matplotlib  # noqa: PLC0415

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"cxmine-{name}"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight", pad_inches=0.05)
    return clean_svg(buffer.getvalue(), name, title)


def clean_svg(svg: str, name: str, title: str, *, scale: float | None = None) -> str:
    """SVG text (matplotlib's or graphviz's) made fit for inlining in HTML: no XML prolog, doctype,
    comments or metadata; ids prefixed with `name` so several drawings can share a page; scalable
    (viewBox kept, the fixed size dropped: as wide as its container); a <title> for screen readers.

    With `scale` (drawings such as the process map): as wide as the container but never wider than
    `scale` × the natural size, so a small map is not blown up; a big one shrinks to the page width
    instead of running off it (`max-width` in CSS pixels; the height follows from the viewBox)."""
    text = _HEAD.sub("", svg, count=1)
    text = _COMMENT.sub("", text)
    text = _METADATA.sub("", text, count=1)
    text = _GLOBAL_STYLE.sub("", text, count=1)
    text = _ID.sub(lambda m: f'id="{name}-{m.group(1)}"', text)
    text = _HREF.sub(lambda m: f'xlink:href="#{name}-{m.group(1)}"', text)
    text = _URL.sub(lambda m: f"url(#{name}-{m.group(1)})", text)
    box = _VIEWBOX.search(text)
    if scale is not None and box:
        widest = float(box.group(1)) * 4 / 3 * scale  # viewBox units are points
        size = f' width="100%" style="max-width: {widest:.0f}px; height: auto"'
        text = _SIZE.sub(lambda m: f'<svg{m.group(1)}{size} class="drawing" role="img" aria-labelledby="{name}-title"', text, count=1)
    else:
        text = _SIZE.sub(lambda m: f'<svg{m.group(1)} class="chart" role="img" aria-labelledby="{name}-title"', text, count=1)
    text = text.replace(">", f'>\n <title id="{name}-title">{_escape(title)}</title>', 1)
    return text.strip() + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _wrap(text: str, width: int, lines: int = 2) -> str:
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: max(0, width - 1)].rstrip() + "…"
    return "\n".join(parts)


def _short(label: str) -> str:
    """Labels without the kind's long prefix, for small titles."""
    return re.sub(r"\s*\(behind the scenes\)$", " (hidden)", label)


def wait_chart(distributions: Sequence[Any]) -> str | None:
    """Horizontal box plots of the top waits (box p25–p75, line p50, whiskers p5–p95, dot max) on a
    log time axis, with each point's threshold as a red tick. None when there is nothing to draw."""
    import matplotlib  # noqa: PLC0415

    rows = [d for d in distributions if d.quantiles_seconds]
    if not rows:
        return None
    with matplotlib.rc_context(_RC):
        figure = _figure(7.6, 0.62 * len(rows) + 0.9)
        axes = figure.add_subplot()
        stats = []
        for d in rows:
            q = {k: max(float(v), 1.0) for k, v in d.quantiles_seconds.items()}
            stats.append({"med": q["p50"], "q1": q["p25"], "q3": q["p75"], "whislo": q["p5"], "whishi": q["p95"], "fliers": [], "label": _wrap(f"#{d.rank} {_short(d.label)}", 44)})
        positions = list(range(len(rows), 0, -1))
        style = dict(
            positions=positions, widths=0.5, showfliers=False, patch_artist=True,
            boxprops={"facecolor": BOX, "edgecolor": ACCENT, "linewidth": 1},
            medianprops={"color": ACCENT, "linewidth": 2}, whiskerprops={"color": MUTED}, capprops={"color": MUTED},
        )
        try:
            axes.bxp(stats, orientation="horizontal", **style)
        except TypeError:  # matplotlib < 3.10
            axes.bxp(stats, vert=False, **style)
        maxima = [max(float(d.quantiles_seconds["max"]), 1.0) for d in rows]
        axes.scatter(maxima, positions, s=10, color=MUTED, zorder=3, label="max")
        limits = [d.threshold_seconds for d in rows]
        shown = [(t, p) for t, p in zip(limits, positions) if t]
        if shown:
            axes.scatter([t for t, _ in shown], [p for _, p in shown], marker="|", s=260, linewidths=2.2, color=THRESHOLD, zorder=4, label="threshold")
        axes.set_xscale("log")
        low = min(max(float(d.quantiles_seconds["p5"]), 1.0) for d in rows)
        high = max(maxima + [t for t, _ in shown])
        ticks = [(t, name) for t, name in _TICKS if low / 3 <= t <= high * 3]
        axes.set_xticks([t for t, _ in ticks], [name for _, name in ticks])
        axes.minorticks_off()
        axes.set_xlim(low / 1.6, high * 1.6)
        axes.grid(axis="x", color=GRID, linewidth=0.8)
        axes.set_axisbelow(True)
        axes.tick_params(axis="y", colors=INK, length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.plot([], [], color=ACCENT, linewidth=2, label="median")
        axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8, ncols=3, borderaxespad=0.2)
        axes.set_xlabel("duration (log scale) — box: middle half, whiskers: 5th–95th percentile", color=MUTED, fontsize=8)
        return inline_svg(figure, "waits", "Distribution of the top waits")


def trend_chart(trend: Any) -> str | None:
    """Small multiples: per trend point, the weekly share of cases affected (the period's weeks shaded)."""
    import matplotlib  # noqa: PLC0415
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: PLC0415

    series = [s for s in trend.series if any(v is not None for v in s.shares)]
    if not series or not trend.weeks:
        return None
    columns = min(3, len(series))
    rows = math.ceil(len(series) / columns)
    weeks = list(range(len(trend.weeks)))
    step = max(1, math.ceil(len(weeks) / 6))
    with matplotlib.rc_context(_RC):
        figure = _figure(3.0 * columns, 2.15 * rows)
        grid = figure.subplots(rows, columns, squeeze=False)
        for index, axes in enumerate(grid.flat):
            if index >= len(series):
                axes.set_visible(False)
                continue
            s = series[index]
            values = [math.nan if v is None else 100 * v for v in s.shares]
            for week, inside in zip(weeks, trend.in_period):
                if inside:
                    axes.axvspan(week - 0.5, week + 0.5, color=PERIOD, zorder=0, linewidth=0)
            axes.plot(weeks, values, color=ACCENT, linewidth=1.8, marker="o", markersize=3, zorder=3)
            top = max([v for v in values if not math.isnan(v)] + [1.0])
            axes.set_ylim(0, top * 1.25)
            axes.yaxis.set_major_locator(MaxNLocator(3))
            digits = 0 if top >= 5 else 1
            axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos, d=digits: f"{v:.{d}f}%"))
            ticks = weeks[::step]
            axes.set_xticks(ticks, [trend.weeks[i].split("-")[-1] for i in ticks])
            axes.set_xlim(-0.5, len(weeks) - 0.5)
            axes.set_title(_wrap(f"#{s.rank} {_short(s.label)}", 34), loc="left")
            axes.grid(axis="y", color=GRID, linewidth=0.8)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        figure.tight_layout(h_pad=1.2, w_pad=1.0)
        return inline_svg(figure, "trend", "Weekly share of cases affected by the top friction points")
