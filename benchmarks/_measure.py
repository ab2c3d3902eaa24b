"""What the benchmark scripts share: the quiet environment of their child processes and the memory
readings (VmRSS / VmHWM from /proc/self/status, the high-water-mark reset, ru_maxrss as the fallback).

Imported as a sibling module (`python benchmarks/<name>.py` puts this folder on sys.path)."""
from __future__ import annotations

import sys

# Quiet children: no tqdm bars, no pm4py backend chatter (the welcome banner is switched off in each child).
CHILD_ENV = {
    "TQDM_DISABLE": "1",
    "PM4PY_SHOW_PROGRESS_BAR": "False",
    "PM4PY_SHOW_INTERNAL_WARNINGS": "False",
    "PYTHONWARNINGS": "ignore",
}


def run_json_child(command: list[str], timeout: float) -> dict:
    """Run a benchmark child in the quiet environment; its last line on stdout is its JSON result.
    {"error": ...} with the tail of its output when it fails, or when it runs past `timeout` seconds."""
    import json  # noqa: PLC0415
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    try:
        proc = subprocess.run(command, check=False, capture_output=True, text=True, env={**os.environ, **CHILD_ENV}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        return {"error": f"child exited {proc.returncode}:\n{tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def verdict(value: float | None, target: float) -> str:
    """PASS when a measured ratio is within its target, MISS when not, '-' when nothing was measured."""
    if value is None:
        return "-"
    return "PASS" if value <= target else "MISS"


def status_mb(field: str) -> float:
    """VmRSS / VmHWM of this process in MB, from /proc/self/status."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_hwm() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def rss_peak_mb() -> float:
    """This process's peak RSS in MB since it started (ru_maxrss: KiB on Linux, bytes on macOS)."""
    import resource  # noqa: PLC0415

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def peak_mb(reset: bool) -> float:
    """The peak since the last reset_hwm() when it worked, else the process's whole peak."""
    return status_mb("VmHWM") if reset else rss_peak_mb()
