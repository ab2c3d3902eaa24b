"""Open a log whether or not it is gzipped, judged by its first bytes rather than its name.

Files get renamed, and browsers often unpack a download but keep its `.gz` name: the name alone would
send a plain file to the gzip decoder (or a gzipped one to the text parser) and give a misleading error.
"""
from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

from cxmine.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed on the fly if it is gzip data."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def gzip_error(path: Path, exc: BaseException) -> InputError:
    """The one error for gzip data that cannot be decompressed (every reader of .gz files raises it)."""
    return InputError(
        f"cannot decompress ({exc.__class__.__name__}: {' '.join(str(exc).split())})",
        file=str(path),
        hint="the .gz file is corrupt or truncated; download or export it again",
    )
