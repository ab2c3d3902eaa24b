"""Worker for the parallel XES path: `python -m cxmine._xes_worker CHUNK.xes` parses one chunk with
rustxes and writes CHUNK.xes.arrow (Arrow IPC).

A plain subprocess, not multiprocessing: spawn-style workers re-import the caller's main module, which
breaks scripts that call load_log() without an `if __name__ == "__main__"` guard. Kept tiny on purpose
(rustxes and polars only, not pandas or the rest of cxmine): the import time is paid per worker.
"""
from __future__ import annotations

import os
import sys


def parse_chunk(path: str) -> str:
    import rustxes  # noqa: PLC0415

    frame, _meta = rustxes.import_xes(path)
    out = path + ".arrow"
    frame.write_ipc(out)
    return out


def main(argv: list[str]) -> int:
    try:
        parse_chunk(argv[1])
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException derives from BaseException
        sys.stderr.write(f"rustxes failed: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RUST_BACKTRACE", "0")
    sys.exit(main(sys.argv))
