"""What every command shares at run time: stderr console, error → exit-code mapping, atomic output."""
from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import Iterator

import typer


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ExitCode(IntEnum):
    """The documented exit-code contract (README, 'Exit codes')."""

    OK = 0
    FINDINGS = 1  # findings over a --fail-on threshold
    BAD_INPUT = 2  # bad usage, bad log/config/complaints file
    INTERNAL = 3  # a bug in cxmine: please report it
    MINING = 4  # pm4py or graphviz failed on valid input


def stderr_console():
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True, highlight=False, soft_wrap=True)


def error_line(message: str) -> None:
    stderr_console().print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)


@contextmanager
def handled(debug: bool) -> Iterator[None]:
    """Typed errors → one line on stderr and their exit code; anything else → exit 3."""
    from cxmine.errors import CxmineError  # noqa: PLC0415

    try:
        yield
    except typer.Exit:
        raise
    except CxmineError as exc:
        if debug:
            traceback.print_exc(file=sys.stderr)
        error_line(_escape(exc.user_message()))
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        error_line("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback without --debug
        if debug:
            traceback.print_exc(file=sys.stderr)
        error_line(_escape(f"internal error ({exc.__class__.__name__}: {exc}) — rerun with --debug and report it"))
        raise typer.Exit(ExitCode.INTERNAL) from None


def _escape(text: str) -> str:
    from rich.markup import escape  # noqa: PLC0415

    return escape(text)


def warn(messages) -> None:
    """Print load warnings (objects with message/count/examples) on stderr, one line each."""
    console = stderr_console()
    for item in messages:
        suffix = f" ({item.count:,})" if getattr(item, "count", 1) != 1 else ""
        examples = getattr(item, "examples", ())
        if examples:
            suffix += f"; e.g. {'; '.join(examples)}"
        console.print(f"[yellow]Warning:[/] {_escape(item.message)}{_escape(suffix)}")


def write_atomic(path: Path, data: str | bytes, *, inputs: tuple[Path, ...] = ()) -> None:
    """Write via a temp file in the same folder + rename, so readers never see half a file."""
    with atomic_path(path, inputs=inputs) as temp:
        if isinstance(data, bytes):
            temp.write_bytes(data)
        else:
            temp.write_text(data, encoding="utf-8", newline="")


@contextmanager
def atomic_path(path: Path, *, inputs: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Yield a temp path in the target's folder; rename it into place on success. Refuses to
    overwrite an input file."""
    from cxmine.errors import UsageError  # noqa: PLC0415

    target = Path(path)
    for source in inputs:
        if target.exists() and target.resolve() == Path(source).resolve():
            raise UsageError("the output would overwrite an input file", file=str(target), hint="choose another output path")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError("the output folder does not exist", file=str(target), hint="create it first")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    os.close(handle)
    try:
        yield Path(temp_name)
        # mkstemp creates 0600; give the result the mode any new file gets (0666 less the umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        os.replace(temp_name, target)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def emit(text: str, output: Path | None, *, inputs: tuple[Path, ...] = ()) -> None:
    """The product goes to stdout, or atomically to --output."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(output, _ANSI.sub("", text), inputs=inputs)  # files never get terminal colours
        stderr_console().print(f"Wrote {output}")


@contextmanager
def status(message: str) -> Iterator:
    """A spinner on stderr while long work runs, only when stderr is a terminal. Yields a function
    that replaces the message (the core reports its stages through such a callback)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda _stage: None
        return
    with stderr_console().status(message) as spinner:
        yield lambda stage: spinner.update(f"{message} {stage}…")
