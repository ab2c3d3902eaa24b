#!/usr/bin/env python
"""Load benchmark: cxmine `load_log` against `pm4py.read_xes`, wall time and peak RSS.

    python benchmarks/load.py [--logs road,bpi2012] [--data-dir ../shared/data] [--repeat N] [--json]

Every measurement runs in a fresh child process (this same file, with a hidden `--child` flag), so the
peak RSS is that run's own: `resource.getrusage(RUSAGE_SELF).ru_maxrss` read inside the child after the
load. A load that fans out to worker processes (cxmine's parallel XES path) is also covered: while the
child runs, this process samples the summed RSS of the child's whole process tree every 20 ms, and the
larger of the two numbers is the one checked (the JSON keeps both, and the largest worker's exact
ru_maxrss). Wall time is the load call alone; `cpu s` is the CPU time of all its processes. The tool's
modules are imported first (their import time and the RSS they cost are reported separately, `import
s` / `base MB`). With `--repeat N` each measurement runs N times and the best (lowest) wall time and
peak RSS are reported. Other work on the machine skews wall times (the table says so when the load
average is above 1); compare `cpu s` then, or use --repeat.

Measured per log:
  cxmine xes       cxmine.io.load_log(<log>.xes.gz)
  cxmine parquet   cxmine.io.load_log(<log>.parquet), the Parquet written first (in a temp dir) by
                   cxmine.io.writers.write_parquet(load_log(<log>.xes.gz), tmp)
  inspect xes      what `cxmine inspect` computes: summarise(load_log(<log>.xes.gz)) (no rendering)
  inspect parquet  the same from the Parquet file
  pm4py default    pm4py.read_xes(path, variant=<pm4py's default parser>)
  pm4py rustxes    pm4py.read_xes(path, variant="rustxes")
  r4pm             r4pm.df.import_xes(path) and .to_pandas(), when r4pm is installed (evaluation only)

About "pm4py default": a bare `pm4py.read_xes(path)` in pm4py >= 2.7.2x switches to the Rust backend by
itself whenever `rustxes` (or `r4pm`) is importable, and rustxes is a cxmine dependency, so in cxmine's
environment the bare call *is* the rustxes variant. The ratio targets are against pm4py's own default
parser, the one `read_xes` uses when no Rust backend is installed (`pm4py.util.constants.
DEFAULT_XES_PARSER`: "iterparse" when lxml is installed, else "chunk_regex"); it is named explicitly.
The table marks which row a bare `read_xes(path)` resolves to. Ratios against rustxes are printed as
information.

Targets: cxmine / pm4py-default wall <= 0.20, parquet / pm4py-default wall <= 0.02, cxmine peak RSS
<= 1024 MB (both the XES and the Parquet load); issue 12: inspect xes / pm4py-rustxes wall <= 0.75
and inspect parquet wall <= 1.0 s.

Not part of the test run. pm4py's default parser takes ~20 s on the road-traffic log here (2 cores).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import CHILD_ENV, rss_peak_mb

LOGS = {
    "road": "Road_Traffic_Fine_Management_Process.xes.gz",
    "bpi2012": "BPI_Challenge_2012.xes.gz",
}
TARGET_CXMINE_RATIO = 0.20
TARGET_PARQUET_RATIO = 0.02
TARGET_RSS_MB = 1024.0
TARGET_INSPECT_RUSTXES_RATIO = 0.75
TARGET_INSPECT_PARQUET_S = 1.0

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"



# ---------------------------------------------------------------------------------------------- child


def _cpu_s() -> float:
    import resource  # noqa: PLC0415

    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished subprocesses of the load
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _child(spec: dict) -> dict:
    """One measurement inside a fresh process. Returns what the parent prints."""
    kind = spec["kind"]
    path = spec["path"]
    t0 = time.perf_counter()
    if kind in ("cxmine", "convert", "inspect"):
        try:
            import cxmine  # noqa: F401, PLC0415
        except ImportError:
            sys.path.insert(0, str(REPO / "src"))
        import lxml.etree  # noqa: F401, PLC0415 - imported lazily by load_log; kept out of the timed region
        import pyarrow.compute  # noqa: F401, PLC0415
        import pyarrow.parquet  # noqa: F401, PLC0415

        import cxmine.io.tabular  # noqa: F401, PLC0415
        import cxmine.io.xes  # noqa: F401, PLC0415
        from cxmine.core.summary import summarise  # noqa: PLC0415
        from cxmine.io import load_log  # noqa: PLC0415
    elif kind == "r4pm":
        import polars  # noqa: F401, PLC0415
        from r4pm.df import import_xes  # noqa: PLC0415
    else:
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's banner on direct import
        import pm4py  # noqa: PLC0415
        from pm4py.objects.log.importer.xes import importer  # noqa: F401, PLC0415
        from pm4py.util import constants  # noqa: PLC0415

        variant = spec["variant"]
        if variant == "default":
            variant = constants.DEFAULT_XES_PARSER
        if variant == "rustxes":
            import polars  # noqa: F401, PLC0415
            import rustxes  # noqa: F401, PLC0415
    import_s = time.perf_counter() - t0
    base_mb = rss_peak_mb()

    out: dict = {"import_s": import_s, "base_mb": base_mb}
    cpu0 = _cpu_s()
    t1 = time.perf_counter()
    if kind == "cxmine":
        log = load_log(path)
        wall = time.perf_counter() - t1
        out.update(events=log.rows_read, rows=len(log.events), cases=int(log.events["case_id"].nunique()))
    elif kind == "inspect":
        summary = summarise(load_log(path))
        wall = time.perf_counter() - t1
        out.update(events=summary.events, rows=summary.events, cases=summary.cases)
    elif kind == "r4pm":
        frame = import_xes(path)[0].to_pandas()
        wall = time.perf_counter() - t1
        out.update(events=len(frame), rows=len(frame), cases=int(frame["case:concept:name"].nunique()))
    elif kind == "convert":
        from cxmine.io.writers import write_parquet  # noqa: PLC0415

        log = load_log(path)
        write_parquet(log, Path(spec["out"]))
        wall = time.perf_counter() - t1
        out.update(events=log.rows_read, rows=len(log.events), cases=int(log.events["case_id"].nunique()))
        out["bytes"] = Path(spec["out"]).stat().st_size
    else:
        frame = pm4py.read_xes(path, variant=variant, show_progress_bar=False)
        wall = time.perf_counter() - t1
        out["variant"] = variant
        out.update(events=len(frame), rows=len(frame), cases=int(frame["case:concept:name"].nunique()))
    out["wall_s"] = wall
    out["cpu_s"] = _cpu_s() - cpu0  # includes the counting above, a few ms
    out["peak_rss_mb"] = rss_peak_mb()
    import resource  # noqa: PLC0415

    # Largest single finished subprocess of the load (worker processes), exact; 0 when there were none.
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out["worker_peak_mb"] = children / (1024 * 1024) if sys.platform == "darwin" else children / 1024
    return out


# --------------------------------------------------------------------------------------------- parent


class ChildFailed(RuntimeError):
    pass


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
SAMPLE_SECONDS = 0.02


def _tree_rss(pid: int) -> tuple[float, int]:
    """Summed RSS (MB) of `pid` and all its descendants, and how many processes that is (Linux /proc)."""
    total, count, stack, seen = 0, 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * _PAGE
            count += 1
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError, IndexError):  # the process ended meanwhile
            continue
    return total / 2**20, count


def run_child(spec: dict, timeout: float) -> dict:
    """Run one measurement in a fresh process. While it runs, the process tree's summed RSS is sampled
    every SAMPLE_SECONDS from here (a load that fans out to worker processes is not seen by the
    child's own ru_maxrss; a sampler thread inside the child would stall while rustxes holds the GIL)."""
    env = {**os.environ, **CHILD_ENV}
    with tempfile.TemporaryDirectory(prefix="cxmine-bench-child-") as folder:
        result_path = Path(folder) / "result.json"
        log_path = Path(folder) / "output.txt"
        command = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec), "--child-out", str(result_path)]
        tree_peak, most_processes = 0.0, 0
        sample = Path("/proc/self/task").is_dir()
        with open(log_path, "w") as output:
            proc = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    proc.kill()
                    proc.wait()
                    raise ChildFailed(f"timed out after {timeout:.0f} s")
                if sample:
                    rss, count = _tree_rss(proc.pid)
                    tree_peak, most_processes = max(tree_peak, rss), max(most_processes, count)
                time.sleep(SAMPLE_SECONDS)
        if proc.returncode != 0:
            tail = "\n".join(log_path.read_text(errors="replace").strip().splitlines()[-8:])
            raise ChildFailed(f"exit {proc.returncode}: {tail}")
        result = json.loads(result_path.read_text())
    result["tree_peak_mb"] = tree_peak if sample else None  # sampled; includes the imports like peak_rss_mb
    result["processes"] = most_processes if sample else None
    # The number checked against the target: the exact main-process peak, or the sampled sum over the
    # process tree when the load used worker processes and that is larger.
    result["rss_mb"] = max(result["peak_rss_mb"], tree_peak)
    return result


def measure(spec: dict, repeat: int, timeout: float, progress) -> dict:
    """Best of `repeat` fresh-process runs (lowest wall, lowest peak RSS, each over all runs)."""
    runs = []
    for i in range(repeat):
        progress(f"{spec['label']} run {i + 1}/{repeat}")
        runs.append(run_child(spec, timeout))
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    best["wall_s"] = min(r["wall_s"] for r in runs)
    best["peak_rss_mb"] = min(r["peak_rss_mb"] for r in runs)
    best["rss_mb"] = min(r["rss_mb"] for r in runs)
    best["worker_peak_mb"] = min(r["worker_peak_mb"] for r in runs)
    best["processes"] = max((r["processes"] or 0) for r in runs)
    best["import_s"] = min(r["import_s"] for r in runs)
    best["cpu_s"] = min(r["cpu_s"] for r in runs)
    best["base_mb"] = min(r["base_mb"] for r in runs)
    for key in ("wall_s", "cpu_s", "import_s"):
        best[key] = round(best[key], 4)
    for key in ("peak_rss_mb", "rss_mb", "worker_peak_mb", "base_mb"):
        best[key] = round(best[key], 1)
    best["all_wall_s"] = [round(r["wall_s"], 3) for r in runs]
    best["all_peak_rss_mb"] = [round(r["rss_mb"], 1) for r in runs]
    best["all_tree_peak_mb"] = [None if r["tree_peak_mb"] is None else round(r["tree_peak_mb"], 1) for r in runs]
    return best


def bare_read_xes_backend() -> str:
    """What a bare `pm4py.read_xes(path)` picks here (mirrors pm4py.util.rustxes_utils, without importing pm4py)."""
    for module, name in (("r4pm.df", "r4pm"), ("rustxes", "rustxes")):
        try:
            if importlib.util.find_spec(module) is not None:
                return name
        except ModuleNotFoundError:
            pass
    return "default"


def check(name: str, value: float | None, target: float, unit: str) -> dict:
    return {
        "check": name,
        "value": None if value is None else round(value, 4 if unit in ("ratio", "s") else 1),
        "target": target,
        "unit": unit,
        "result": "n/a" if value is None else ("PASS" if value <= target else "MISS"),
    }


def bench_log(key: str, path: Path, args, progress) -> dict:
    rows: list[dict] = []
    errors: dict[str, str] = {}

    def add(tool: str, spec: dict) -> dict | None:
        spec = {"label": f"{key}: {tool}", "path": str(path), **spec}
        try:
            result = measure(spec, args.repeat, args.timeout, progress)
        except ChildFailed as exc:
            errors[tool] = str(exc)
            progress(f"{key}: {tool} FAILED ({exc})")
            rows.append({"tool": tool, "error": str(exc)})
            return None
        result["tool"] = tool
        rows.append(result)
        return result

    cx = add("cxmine xes", {"kind": "cxmine"})
    inspect_xes = add("inspect xes", {"kind": "inspect"})
    parquet = inspect_parquet = None
    with tempfile.TemporaryDirectory(prefix="cxmine-bench-") as tmp:
        target = Path(tmp) / (key + ".parquet")
        progress(f"{key}: converting to Parquet")
        try:
            converted = run_child({"kind": "convert", "path": str(path), "out": str(target)}, args.timeout)
        except ChildFailed as exc:
            errors["convert"] = str(exc)
            converted = None
        if converted is not None:
            parquet = add("cxmine parquet", {"kind": "cxmine", "path": str(target)})
            if parquet is not None:
                parquet["parquet_bytes"] = converted["bytes"]
                parquet["convert_s"] = converted["wall_s"]
            inspect_parquet = add("inspect parquet", {"kind": "inspect", "path": str(target)})
    default = None if args.no_pm4py_default else add("pm4py default", {"kind": "pm4py", "variant": "default"})
    rust = None if args.no_pm4py_rustxes else add("pm4py rustxes", {"kind": "pm4py", "variant": "rustxes"})
    r4pm = add("r4pm", {"kind": "r4pm"}) if importlib.util.find_spec("r4pm") is not None and not args.no_r4pm else None

    bare = bare_read_xes_backend()
    for row in rows:
        if row["tool"] == "pm4py default" and bare == "default" or row["tool"] == "pm4py rustxes" and bare in ("rustxes", "r4pm"):
            row["bare_read_xes"] = True

    first = cx or default or rust or {}

    def ratio(a: dict | None, b: dict | None) -> float | None:
        return a["wall_s"] / b["wall_s"] if a and b and b["wall_s"] > 0 else None

    checks = [
        check("cxmine / pm4py-default wall", ratio(cx, default), TARGET_CXMINE_RATIO, "ratio"),
        check("parquet / pm4py-default wall", ratio(parquet, default), TARGET_PARQUET_RATIO, "ratio"),
        check("cxmine xes peak RSS", cx["rss_mb"] if cx else None, TARGET_RSS_MB, "MB"),
        check("cxmine parquet peak RSS", parquet["rss_mb"] if parquet else None, TARGET_RSS_MB, "MB"),
        check("inspect xes / pm4py-rustxes wall", ratio(inspect_xes, rust), TARGET_INSPECT_RUSTXES_RATIO, "ratio"),
        check("inspect parquet wall", inspect_parquet["wall_s"] if inspect_parquet else None, TARGET_INSPECT_PARQUET_S, "s"),
    ]
    info = {
        "cxmine / pm4py-rustxes wall": ratio(cx, rust),
        "parquet / pm4py-rustxes wall": ratio(parquet, rust),
        "cxmine / pm4py-rustxes peak RSS": cx["rss_mb"] / rust["rss_mb"] if cx and rust else None,
        "cxmine / pm4py-default peak RSS": cx["rss_mb"] / default["rss_mb"] if cx and default else None,
        # CPU seconds are less skewed than wall time when other work runs on the machine.
        "inspect xes / pm4py-rustxes cpu": inspect_xes["cpu_s"] / rust["cpu_s"] if inspect_xes and rust and rust["cpu_s"] else None,
        "r4pm / pm4py-rustxes wall": ratio(r4pm, rust),
    }
    return {
        "log": key,
        "file": str(path),
        "events": first.get("events"),
        "cases": first.get("cases"),
        "runs": rows,
        "checks": checks,
        "info": {k: (None if v is None else round(v, 4)) for k, v in info.items()},
        "errors": errors,
    }


def _fmt(value, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def print_table(report: dict) -> None:
    head = f"{'log':<8} {'events':>8} {'cases':>7} {'tool':<15} {'rows out':>8} {'wall s':>8} {'cpu s':>7} {'peak RSS MB':>11} {'import s':>8} {'base MB':>7}  note"
    print(head)
    print("-" * len(head))
    for entry in report["logs"]:
        for row in entry["runs"]:
            if "error" in row:
                print(f"{entry['log']:<8} {'':>8} {'':>7} {row['tool']:<15} {'':>8} {'FAILED':>8}  {row['error'][:80]}")
                continue
            notes = []
            if row["tool"].startswith("pm4py"):
                notes.append(f"variant={row.get('variant')}")
            if row.get("bare_read_xes"):
                notes.append("= bare read_xes(path) here")
            if (row.get("processes") or 0) > 1:
                notes.append(
                    f"{row['processes']} processes: main {row['peak_rss_mb']:.0f} MB, largest worker "
                    f"{row['worker_peak_mb']:.0f} MB, tree sum sampled"
                )
            if "parquet_bytes" in row:
                notes.append(f"file {row['parquet_bytes'] / 1e6:.1f} MB, convert {row['convert_s']:.2f} s")
            if report["repeat"] > 1:
                notes.append("walls " + ",".join(f"{w:.2f}" for w in row["all_wall_s"]))
            print(
                f"{entry['log']:<8} {_fmt(entry['events'], ',d'):>8} {_fmt(entry['cases'], ',d'):>7} {row['tool']:<15} "
                f"{_fmt(row.get('rows'), ',d'):>8} {row['wall_s']:>8.2f} {row['cpu_s']:>7.2f} {row['rss_mb']:>11.0f} "
                f"{row['import_s']:>8.2f} {row['base_mb']:>7.0f}  {'; '.join(notes)}"
            )
    print()
    head = f"{'log':<8} {'check':<32} {'value':>9} {'target':>9}  result"
    print(head)
    print("-" * len(head))
    for entry in report["logs"]:
        for c in entry["checks"]:
            value = _fmt(c["value"], ".3f" if c["unit"] in ("ratio", "s") else ".0f", "n/a")
            target = f"<= {c['target']:.2f}" + (" s" if c["unit"] == "s" else "") if c["unit"] in ("ratio", "s") else f"<= {c['target']:.0f}"
            print(f"{entry['log']:<8} {c['check']:<32} {value:>9} {target:>9}  {c['result']}")
        for name, value in entry["info"].items():
            print(f"{entry['log']:<8} {name:<32} {_fmt(value, '.3f', 'n/a'):>9} {'(info)':>9}")
    print()
    print(
        f"wall/cpu = the load call only (cpu: all its processes), best of {report['repeat']}; peak RSS = the child's "
        "ru_maxrss, or the summed RSS of its process tree (sampled every 20 ms) if larger; includes the "
        "interpreter and imports ('base MB');\npm4py default = pm4py.read_xes(path, variant="
        "pm4py.util.constants.DEFAULT_XES_PARSER); a bare read_xes(path) uses "
        f"{report['bare_read_xes_backend']} here."
    )
    load = report.get("load_average")
    if load and max(load) > 1.0:
        print(f"note: load average was {load[0]:.2f} / {load[1]:.2f} at start: other work on this machine skews wall times (cpu s less so).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", default="road,bpi2012", help=f"comma-separated, from: {', '.join(LOGS)} (default: all)")
    parser.add_argument("--data-dir", type=Path, default=None, help=f"folder with the logs (default: {DEFAULT_DATA_DIR})")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is reported (default 1)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per child run (default 1800)")
    parser.add_argument("--no-pm4py-default", action="store_true", help="skip pm4py's (slow) default parser")
    parser.add_argument("--no-pm4py-rustxes", action="store_true", help="skip pm4py's rustxes variant")
    parser.add_argument("--no-r4pm", action="store_true", help="skip r4pm even when it is installed")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = _child(json.loads(args.child))
        Path(args.child_out).write_text(json.dumps(result))
        return 0

    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    keys = [k.strip() for k in args.logs.split(",") if k.strip()]
    unknown = [k for k in keys if k not in LOGS]
    if unknown or not keys:
        parser.error(f"unknown log(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(LOGS)}")
    data_dir = (args.data_dir or DEFAULT_DATA_DIR).expanduser().resolve()
    if not data_dir.is_dir():
        print(
            f"error: data folder {data_dir} does not exist.\n"
            f"The benchmark reads {', '.join(LOGS[k] for k in keys)} from it; pass --data-dir FOLDER "
            f"(default: the 'shared/data' folder next to the repository).",
            file=sys.stderr,
        )
        return 2
    missing = [data_dir / LOGS[k] for k in keys if not (data_dir / LOGS[k]).is_file()]
    if missing:
        print(f"error: missing log file(s) in {data_dir}: {', '.join(p.name for p in missing)}", file=sys.stderr)
        return 2

    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    report = {
        "python": sys.executable,
        "repeat": args.repeat,
        "data_dir": str(data_dir),
        "bare_read_xes_backend": bare_read_xes_backend(),
        "cpu_count": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "targets": {
            "cxmine_ratio": TARGET_CXMINE_RATIO, "parquet_ratio": TARGET_PARQUET_RATIO, "peak_rss_mb": TARGET_RSS_MB,
            "inspect_rustxes_ratio": TARGET_INSPECT_RUSTXES_RATIO, "inspect_parquet_s": TARGET_INSPECT_PARQUET_S,
        },
        "logs": [bench_log(k, data_dir / LOGS[k], args, progress) for k in keys],
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    missed = any(c["result"] == "MISS" for e in report["logs"] for c in e["checks"])
    failed = any(e["errors"] for e in report["logs"])
    return 1 if failed or (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
