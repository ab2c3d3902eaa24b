"""What every command shares at run time: the stderr console, error → exit-code mapping, signals
(Ctrl-C → 130, SIGTERM → 143, one line each), and the files a run writes.

Output files follow three rules. They are checked before any work (`check_outputs`): never a file the
run reads, never a folder, the folder must exist and be writable. Regular files are written atomically
(a temp file in the same folder, renamed into place; through a symlink, onto the file it points to), and
the temp file exists only while bytes are being written. Character devices, pipes and /dev/stdout are
streamed to, never replaced.
"""
from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

import typer


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class ExitCode(IntEnum):
    """The documented exit-code contract (README, 'Exit codes')."""

    OK = 0
    FINDINGS = 1  # findings over a --fail-on threshold
    BAD_INPUT = 2  # bad usage, bad log/config/complaints file
    INTERNAL = 3  # a bug in cxmine: please report it
    MINING = 4  # pm4py or graphviz failed on valid input


# The shell's conventions for a run stopped from outside (128 + signal number), not part of ExitCode.
INTERRUPTED = 130  # Ctrl-C (SIGINT)
BROKEN_PIPE = 141  # the reader of stdout went away (SIGPIPE), e.g. `cxmine ... | head`
TERMINATED = 143  # SIGTERM

TERMINATED_MESSAGE = "terminated (SIGTERM)"


def stderr_console():
    from rich.console import Console  # noqa: PLC0415

    return Console(stderr=True, highlight=False, soft_wrap=True)


def error_line(message: str) -> None:
    stderr_console().print(f"[bold red]Error:[/] {message}", markup=True, highlight=False)


# --- signals ---------------------------------------------------------------------------------------


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread like KeyboardInterrupt so every `finally` runs (temp files
    are removed). A SystemExit: `except Exception` blocks do not swallow it, and a process that meets
    it outside `handled()` still exits 143."""

    def __init__(self) -> None:
        super().__init__(TERMINATED)


# Seconds a run may go on after Ctrl-C/SIGTERM before it is stopped the hard way. Only reached when a
# library swallowed the exception (pyo3 turns one raised inside its callbacks into a PanicException,
# which the XES reader answers by parsing again with lxml) or a clean-up hangs.
STOP_GRACE_SECONDS = 2.0

_stop_code: int | None = None  # INTERRUPTED or TERMINATED once a signal arrived inside handled()
_watchdog: threading.Timer | None = None
_stderr_copy: int | None = None  # the real stderr, for the watchdog (the XES reader may point fd 2 elsewhere)
_pending: set[Path] = set()  # temp files that exist, or may, right now: the watchdog removes them
_deferred: list[int] = []  # signals that arrived inside an `_uninterrupted()` block
_uninterrupted_depth = 0
_handled_depth = 0


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _stop_line(code: int) -> str:
    return "interrupted" if code == INTERRUPTED else TERMINATED_MESSAGE


def _raise_for(signum: int) -> None:
    global _stop_code
    code = INTERRUPTED if signum == signal.SIGINT else TERMINATED
    if _handled_depth and _stop_code is None:
        _stop_code = code
        _arm_watchdog(code)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise Terminated()


def _on_signal(signum: int, _frame) -> None:
    if _uninterrupted_depth:
        _deferred.append(signum)
        return
    _raise_for(signum)


def _arm_watchdog(code: int) -> None:
    global _watchdog
    if _watchdog is not None:
        return
    _watchdog = threading.Timer(STOP_GRACE_SECONDS, _hard_stop, args=(code,))
    _watchdog.daemon = True
    _watchdog.start()


def _disarm_watchdog() -> None:
    global _watchdog
    if _watchdog is not None:
        _watchdog.cancel()
        _watchdog = None


def _hard_stop(code: int) -> None:
    """The run did not stop within the grace period: remove the temp files, say so, exit now."""
    for temp in list(_pending):
        try:
            os.unlink(temp)
        except OSError:
            pass
    try:
        os.write(_stderr_copy if _stderr_copy is not None else 2, f"Error: {_stop_line(code)}\n".encode())
    except OSError:
        pass
    os._exit(code)


@contextmanager
def _catching_signals(*, interrupt: bool) -> Iterator[None]:
    """While inside, SIGTERM (and with `interrupt`, Ctrl-C) raise in the main thread instead of killing
    the process on the spot, so `finally` blocks remove temp files. A handler someone else installed
    (or SIG_IGN, as under nohup) is left alone; outside the main thread nothing changes."""
    installed: list[tuple[int, object]] = []
    if _in_main_thread():
        wanted = [(signal.SIGTERM, (signal.SIG_DFL, None))]
        if interrupt:
            wanted.append((signal.SIGINT, (signal.default_int_handler,)))
        for signum, replaceable in wanted:
            previous = signal.getsignal(signum)
            if previous in replaceable:
                signal.signal(signum, _on_signal)
                installed.append((signum, signal.SIG_DFL if previous is None else previous))
    try:
        yield
    finally:
        for signum, previous in installed:
            signal.signal(signum, previous)


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends: a set of renames stays all-or-nothing, a clean-up
    is not cut short. (Not pthread_sigmask: a signal may be delivered to another thread.)"""
    global _uninterrupted_depth
    with _catching_signals(interrupt=True):
        _uninterrupted_depth += 1
        try:
            yield
        finally:
            _uninterrupted_depth -= 1
            if not _uninterrupted_depth and _deferred:
                signum = _deferred[0]
                _deferred.clear()
                _raise_for(signum)


def _stop_if_asked() -> None:
    """A signal arrived but its exception was swallowed on the way: stop before publishing anything."""
    if _stop_code == INTERRUPTED:
        raise KeyboardInterrupt
    if _stop_code == TERMINATED:
        raise Terminated()


# --- errors → one line and an exit code -----------------------------------------------------------


@contextmanager
def handled(debug: bool) -> Iterator[None]:
    """Typed errors → one line on stderr and their exit code; Ctrl-C → "interrupted", 130; SIGTERM →
    "terminated (SIGTERM)", 143 (after `finally` blocks removed any temp file); a full disk or a
    read-only file system → 2; anything else → exit 3."""
    global _handled_depth, _stop_code, _stderr_copy
    outermost = not _handled_depth
    if outermost:
        _stop_code = None
        try:
            _stderr_copy = os.dup(2)
        except OSError:
            _stderr_copy = None
    _handled_depth += 1
    try:
        with _catching_signals(interrupt=True):
            try:
                yield
                _stop_if_asked()
            except BaseException as exc:  # the last line of defence: one line, an exit code
                code = _report(exc, debug)
                if code is None:
                    raise
                raise typer.Exit(code) from None
    finally:
        _handled_depth -= 1
        if outermost:
            _disarm_watchdog()
            _stop_code = None  # the command is over: a later call in this process starts afresh
            if _stderr_copy is not None:
                os.close(_stderr_copy)
                _stderr_copy = None


def _report(exc: BaseException, debug: bool) -> int | None:
    """Print the one line for `exc` and return the exit code, or None to let it through."""
    from cxmine.errors import CxmineError  # noqa: PLC0415

    if isinstance(exc, typer.Exit) and exc.exit_code in (INTERRUPTED, TERMINATED):
        return None  # an inner handled() already said so
    if _stop_code is not None or isinstance(exc, (KeyboardInterrupt, Terminated)):  # whatever it became on the way
        code = _stop_code or (TERMINATED if isinstance(exc, Terminated) else INTERRUPTED)
        error_line(_stop_line(code))
        return code
    if isinstance(exc, (typer.Exit, SystemExit, GeneratorExit)):
        return None
    if debug:
        traceback.print_exc(file=sys.stderr)
    if isinstance(exc, CxmineError):
        error_line(_escape(exc.user_message()))
        return exc.exit_code
    environment = _environment_error(exc)
    if environment is not None:
        error_line(_escape(environment.user_message()))
        return ExitCode.BAD_INPUT
    error_line(_escape(f"internal error ({exc.__class__.__name__}: {exc}) — rerun with --debug and report it"))
    return ExitCode.INTERNAL


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


# --- output files: where they may go --------------------------------------------------------------

# Failures that say something about the place being written, never about the data read.
_WRITE_ONLY_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}

_WRITE_PROBLEMS = {
    errno.ENOSPC: ("the disk is full", "free some space or write the output somewhere else"),
    errno.EDQUOT: ("the disk quota is used up", "free some space or write the output somewhere else"),
    errno.EFBIG: ("the output is too large for its file system", "write it somewhere else"),
    errno.EROFS: ("the output folder is read-only", "choose a folder you can write to"),
    errno.EACCES: ("no permission to write the output", "choose a folder you can write to, or change its permissions"),
    errno.EPERM: ("no permission to write the output", "choose a folder you can write to, or change its permissions"),
    errno.ENOENT: ("the output folder does not exist", "create it first"),
    errno.ENOTDIR: ("the output folder does not exist", "create it first"),
    errno.EISDIR: ("the output is a folder", "give a file name"),
    errno.ENAMETOOLONG: ("the output file name is too long", "choose a shorter name"),
    errno.ELOOP: ("the output is a loop of symbolic links", "point it at a real file"),
    errno.EIO: ("the device reported an input/output error while writing", "check the disk, then run again"),
    errno.EPIPE: ("the pipe was closed before the output was written", "keep its reader running"),
    errno.EBUSY: ("the output is in use", "close the program that holds it, or choose another path"),
}


def _usage(what: str, file: object, hint: str):
    from cxmine.errors import UsageError  # noqa: PLC0415

    return UsageError(what, file=str(file), hint=hint)


def _output_error(exc: OSError, output: object):
    """An OSError met while writing `output` → a UsageError (exit 2) with a sentence."""
    what, hint = _WRITE_PROBLEMS.get(exc.errno, (f"cannot write the output ({exc.strerror or exc})", "check the path and the disk"))
    return _usage(what, output, hint)


def _environment_error(exc: BaseException):
    """A full disk or a read-only file system met outside an output write (e.g. a scratch file)."""
    if not isinstance(exc, OSError) or exc.errno not in _WRITE_ONLY_ERRNOS:
        return None
    what, hint = _WRITE_PROBLEMS[exc.errno]
    if exc.errno == errno.EROFS:
        what = "a read-only file system refused a write"
    from cxmine.errors import InputError  # noqa: PLC0415

    return InputError(what, file=exc.filename and str(exc.filename), hint=hint)


# /dev/stdout, /dev/fd/1, /proc/self/fd/1 ...: an already open file, often the shell's `>` or `>>`.
_FD_ALIAS = re.compile(r"^/(?:dev/(?:stdout|stderr|fd/\d+)|proc/(?:self|thread-self|\d+)/fd/\d+)$")


def _names_an_open_file(path: Path) -> bool:
    """True when `path`, or a symlink on the way, names a file descriptor (/dev/stdout and friends).
    Replacing what it resolves to would wipe what a `>>` redirect already holds: stream to it instead."""
    current = os.path.abspath(path)
    for _ in range(40):
        if _FD_ALIAS.match(current):
            return True
        try:
            link = os.readlink(current)
        except OSError:
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


@dataclass(frozen=True)
class _Destination:
    given: Path  # as the user spelled it: what messages name
    final: Path  # the regular file to rename onto (symlinks resolved), or the device/pipe to stream to
    stream: bool  # a character device, a pipe or a file descriptor: written in place, never replaced
    identity: tuple  # (st_dev, st_ino) of an existing file, else ("path", resolved path)


def _is_stdout(path: object) -> bool:
    return path is None or str(path) == "-"


def _destination(path: Path) -> _Destination:
    """Where the bytes for `path` would go, or a UsageError if it is nothing one can write to."""
    given = Path(path)
    try:
        info = os.stat(given)  # follows symlinks
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a loop of links, a path through a file, a name too long
        raise _output_error(exc, given) from None
    if info is None:  # a new file; a dangling symlink is written through, onto the file it names
        return _Destination(given, Path(os.path.realpath(given)), False, ("path", os.path.realpath(given)))
    identity = (info.st_dev, info.st_ino)
    if stat.S_ISDIR(info.st_mode):
        raise _usage("the output is a folder", given, "give a file name inside it")
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode) or (stat.S_ISREG(info.st_mode) and _names_an_open_file(given)):
        return _Destination(given, given, True, identity)
    if not stat.S_ISREG(info.st_mode):
        raise _usage("the output is neither a regular file, a terminal nor a pipe", given, "choose a file name")
    return _Destination(given, Path(os.path.realpath(given)), False, identity)


def _check_folder(destination: _Destination) -> None:
    """The folder a temp file will be created in exists and takes new files."""
    folder = destination.final.parent
    if not folder.exists():
        raise _usage("the output folder does not exist", destination.given, "create it first")
    if not folder.is_dir():
        raise _usage("the output folder is not a folder", destination.given, "choose a path inside a folder")
    if not os.access(folder, os.W_OK | os.X_OK):  # root passes unless the file system is read-only
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        raise _output_error(OSError(errno.EROFS if read_only else errno.EACCES, ""), destination.given)


def _plan(outputs: Iterable[Path | str | None], reads: Iterable[Path | str | None]) -> list[_Destination]:
    """Every output checked, in order: what it is, not an input, not given twice, a folder that takes it."""
    read_paths = [Path(r) for r in reads if not _is_stdout(r) and str(r) != ""]
    by_path = {os.path.realpath(r): r for r in read_paths}
    by_inode = {}
    for read in read_paths:
        try:
            info = os.stat(read)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            by_inode[(info.st_dev, info.st_ino)] = read
    plans: list[_Destination] = []
    for output in outputs:
        if _is_stdout(output):
            continue
        destination = _destination(Path(output))
        if not destination.stream or stat.S_ISREG(_mode(destination.final)):  # a terminal, a pipe, /dev/null: no clash
            source = by_inode.get(destination.identity) or by_path.get(str(destination.final))
            if source is not None:
                same = "" if os.path.abspath(source) == os.path.abspath(destination.given) else f" (it is {source})"
                raise _usage(f"the output would overwrite an input file{same}", destination.given, "choose another output path")
        if any(earlier.identity == destination.identity for earlier in plans):
            raise _usage("the same output file is given twice", destination.given, "give each output its own name")
        if not destination.stream:
            _check_folder(destination)
        plans.append(destination)
    return plans


def _mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def check_outputs(outputs: Sequence[Path | str | None], reads: Iterable[Path | str | None] = ()) -> None:
    """Refuse, before any work, every output that cannot be written: a file the run reads (also through
    a symlink or a hard link), the same file twice, a folder, a missing or read-only folder.
    `None` and '-' mean stdout and are skipped. Raises UsageError (exit 2)."""
    _plan(outputs, reads)


# --- output files: writing them -------------------------------------------------------------------


def _temp_name(final: Path) -> Path:
    """`.NAME.XXXXXXXX.tmp` next to the target; created by whoever writes it, not here."""
    return final.with_name(f".{final.name[:200]}.{secrets.token_hex(4)}.tmp")


def _spool_name(final: Path) -> Path:
    """Bytes for a device or a pipe are written here first: a writer that fails half-way (or, like
    pyarrow, deletes its target on failure) must never touch the device itself."""
    return Path(tempfile.gettempdir()) / _temp_name(final).name


def _discard(path: Path) -> None:
    with _uninterrupted():
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:  # nothing more to do; the original error is what the user needs
            pass


def _as_bytes(data: str | bytes) -> bytes:
    return data if isinstance(data, bytes) else data.encode("utf-8")


def _write_new(temp: Path, data: bytes) -> None:
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    with open(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _commit(temp: Path, destination: _Destination) -> None:
    """Rename `temp` onto the target. A file that is replaced keeps its permission bits (a 0600 report
    stays private); a new one gets 0666 less the umask, like any file the user creates."""
    try:
        os.chmod(temp, stat.S_IMODE(os.stat(destination.final).st_mode))
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
    os.replace(temp, destination.final)


def _stream(destination: _Destination, data: bytes | Path) -> None:
    """Append to a device, a pipe or an open file descriptor: never truncate what a `>>` holds."""
    with open(destination.final, "ab") as out:
        if isinstance(data, Path):
            with open(data, "rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
        else:
            out.write(data)


def _related(exc: OSError, *paths: Path) -> bool:
    """Is this OSError about the output (and not about a file the work inside `atomic_path` read)?"""
    return exc.errno in _WRITE_ONLY_ERRNOS or (exc.filename is not None and str(exc.filename) in {str(p) for p in paths})


def write_all(
    files: Iterable[tuple[Path | str, str | bytes]],
    *,
    reads: Iterable[Path | str | None] = (),
    announce: bool = True,
) -> None:
    """Write several outputs all or nothing: check them all (`check_outputs`), write every temp file,
    stream to devices, then rename every temp file into place with Ctrl-C and SIGTERM held back. On any
    failure every temp file is removed and every existing target is left as it was. Text is written as
    UTF-8, unchanged. Prints `Wrote PATH` on stderr for each unless `announce=False`."""
    items = [(Path(path), _as_bytes(data)) for path, data in files]
    plans = _plan([path for path, _ in items], reads)
    pairs = list(zip(plans, (data for _, data in items)))
    temps: list[tuple[Path, _Destination]] = []
    current: _Destination | None = None
    with _catching_signals(interrupt=False), _removed_on_stop(temps):
        try:
            for destination, data in pairs:
                if not destination.stream:
                    current = destination
                    temp = _temp_name(destination.final)
                    temps.append((temp, destination))
                    _pending.add(temp)
                    _write_new(temp, data)
            _stop_if_asked()
            for destination, data in pairs:
                if destination.stream:
                    current = destination
                    _stream(destination, data)
            with _uninterrupted():
                for temp, destination in temps:
                    current = destination
                    _commit(temp, destination)
        except OSError as exc:
            raise _output_error(exc, current.given if current is not None else "the output") from None
    if announce:
        console = stderr_console()
        for path, _ in items:
            console.print(f"Wrote {path}", markup=False)


@contextmanager
def _removed_on_stop(temps: list[tuple[Path, _Destination]]) -> Iterator[None]:
    """Whatever happens inside, no temp file in `temps` survives the block."""
    try:
        yield
    except Terminated:
        if not _handled_depth:  # handled() prints it for a command; a library caller gets it here
            error_line(TERMINATED_MESSAGE)
        raise
    finally:
        for temp, _ in temps:
            _discard(temp)
            _pending.discard(temp)


def write_atomic(path: Path, data: str | bytes, *, inputs: Iterable[Path | str | None] = ()) -> None:
    """Write one file via a temp file in the same folder + rename, so readers never see half a file
    (to a device or a pipe: streamed). Refuses an input; `inputs` are the files the run reads."""
    write_all([(path, data)], reads=inputs, announce=False)


@contextmanager
def atomic_path(path: Path, *, inputs: Iterable[Path | str | None] = ()) -> Iterator[Path]:
    """For writers that write to a path themselves (`io.writers.write(log, temp, kind)`).

    On entry: checks the output (`check_outputs([path], inputs)`), before any work, and creates
    nothing. Yields the path to write to: a fresh name next to the target (for a device or a pipe, in
    the temp folder), which the writer creates. On success it is renamed onto the target (or copied to
    the device); on an error, Ctrl-C or SIGTERM it is removed. Write the file as the last step inside
    the block, so it exists only while its bytes are written; an OSError from writing becomes exit 2."""
    destination = _plan([path], inputs)[0]
    temp = _spool_name(destination.final) if destination.stream else _temp_name(destination.final)
    _pending.add(temp)
    with _catching_signals(interrupt=False), _removed_on_stop([(temp, destination)]):
        try:
            yield temp
            if not temp.exists():
                raise RuntimeError(f"nothing was written for {destination.given}")  # a bug in the caller: exit 3
            _stop_if_asked()
            if destination.stream:
                _stream(destination, temp)
            else:
                with open(temp, "rb") as handle:  # the writer closed it; the bytes are on disk before the rename
                    os.fsync(handle.fileno())
                _commit(temp, destination)
        except OSError as exc:
            if _related(exc, temp, destination.final, destination.given):
                raise _output_error(exc, destination.given) from None
            raise


def emit(text: str, output: Path | None, *, inputs: Iterable[Path | str | None] = ()) -> None:
    """The product goes to stdout (`output` None or '-'), or atomically to --output."""
    if _is_stdout(output):
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:  # `cxmine ... | head`: the reader has what it wanted; no traceback, no line
            _silence_stdout()
            raise typer.Exit(BROKEN_PIPE) from None
    else:
        write_atomic(output, _ANSI.sub("", text), inputs=inputs)  # files never get terminal colours
        stderr_console().print(f"Wrote {output}", markup=False)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not fail a second time."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test runner's buffer): nothing will flush to a closed pipe
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


@contextmanager
def status(message: str) -> Iterator:
    """A spinner on stderr while long work runs, only when stderr is a terminal. Yields a function
    that replaces the message (the core reports its stages through such a callback)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield lambda _stage: None
        return
    with stderr_console().status(message) as spinner:
        yield lambda stage: spinner.update(f"{message} {stage}…")
