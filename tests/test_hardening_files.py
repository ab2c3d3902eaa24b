"""Issue 12, outputs and files: an output is never a file the run reads, a device or a symlink is never
replaced by a regular file, several outputs are written all or nothing, a temp file lives only while
its bytes are written, and a failed write, Ctrl-C or SIGTERM ends in one line and a clean exit code.

Devices: tests write to private device nodes made with mknod in tmp_path (same major/minor numbers as
/dev/null and /dev/full), so a regression cannot replace the machine's own; the few that use /dev/null
itself put it back if it ever stops being a character device.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import typer

from cxmine.cli import runtime
from cxmine.cli.runtime import (
    BROKEN_PIPE,
    INTERRUPTED,
    TERMINATED,
    atomic_path,
    check_outputs,
    emit,
    handled,
    write_all,
    write_atomic,
)
from cxmine.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
EXAMPLES = ROOT / "examples"
BPI_2012 = Path("/work/shared/data/BPI_Challenge_2012.xes.gz")
CLI_ENV = {"NO_COLOR": "1", "CI": "1", "COLUMNS": "200", "TERM": "dumb"}


# --- helpers ----------------------------------------------------------------------------------------


def _device(folder: Path, name: str, minor: int) -> Path:
    """A private character device (major 1: 3 = null, 7 = full), or skip where mknod is not allowed."""
    path = folder / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        with open(path, "wb"):
            pass  # a folder mounted nodev refuses to open it
    except OSError as exc:
        pytest.skip(f"cannot make a device node here ({exc.strerror})")
    return path


@pytest.fixture
def null_device(tmp_path) -> Path:
    return _device(tmp_path, "null", 3)


@pytest.fixture
def full_device(tmp_path) -> Path:
    return _device(tmp_path, "full", 7)


@pytest.fixture
def system_null():
    """/dev/null itself, put back if a regression ever replaces it with a regular file."""
    yield Path("/dev/null")
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        os.unlink("/dev/null")
        os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        os.chmod("/dev/null", 0o666)
        pytest.fail("/dev/null was replaced by a regular file (put back)")


@pytest.fixture(autouse=True)
def patient_watchdog(monkeypatch):
    """In this process a stalled test must fail, not be ended by the watchdog's os._exit."""
    monkeypatch.setattr(runtime, "STOP_GRACE_SECONDS", 600.0)


@pytest.fixture
def default_signals():
    """The in-process signal tests send real signals to this process: only where nothing else handles them."""
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("the test runner handles SIGTERM/SIGINT itself")
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled in the main thread only")


def is_char_device(path: Path) -> bool:
    return stat.S_ISCHR(os.lstat(path).st_mode)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def spooled() -> list[str]:
    return sorted(p.name for p in Path(tempfile.gettempdir()).glob(".*.tmp"))


def one_line(exc: UsageError) -> str:
    text = exc.user_message()
    assert "\n" not in text
    return text


@pytest.fixture
def cli(monkeypatch):
    from typer.testing import CliRunner

    from cxmine.cli.app import app

    runner = CliRunner()

    def invoke(*args: object):
        result = runner.invoke(app, [str(a) for a in args], env=CLI_ENV)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        return result.exit_code, result.stdout, lines

    return invoke


@pytest.fixture
def example(tmp_path) -> Path:
    """A copy of examples/ (orders.csv, complaints.csv, cxmine.toml): tests never write next to the real one."""
    folder = tmp_path / "example"
    folder.mkdir()
    for name in ("orders.csv", "complaints.csv", "cxmine.toml"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


# --- check_outputs: every file the run reads is refused, before any work ---------------------------


@pytest.mark.parametrize("role", ["log", "config", "complaints", "model", "baseline"])
def test_every_file_the_run_reads_is_refused_as_an_output(tmp_path, role):
    reads = {name: tmp_path / f"{name}.txt" for name in ("log", "config", "complaints", "model", "baseline")}
    for path in reads.values():
        path.write_text(path.name)
    with pytest.raises(UsageError) as caught:
        check_outputs([tmp_path / "fine.md", reads[role]], [*reads.values(), None])
    assert one_line(caught.value) == f"the output would overwrite an input file in {reads[role]} — choose another output path"
    assert caught.value.exit_code == 2
    assert reads[role].read_text() == f"{role}.txt"


def test_an_input_is_recognised_through_a_symlink_a_hard_link_and_another_spelling(tmp_path, monkeypatch):
    log = tmp_path / "log.csv"
    log.write_text("data")
    (tmp_path / "link.csv").symlink_to(log)
    os.link(log, tmp_path / "hard.csv")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for output in (tmp_path / "link.csv", tmp_path / "hard.csv", Path("..") / "log.csv"):
        with pytest.raises(UsageError, match="the output would overwrite an input file"):
            check_outputs([output], [log])
    # ... and the other way round: the run reads the link, the output is the file it points to
    with pytest.raises(UsageError, match=r"overwrite an input file \(it is .*link.csv\)"):
        check_outputs([log], [tmp_path / "link.csv"])


def test_outputs_that_clash_with_nothing_pass(tmp_path, null_device):
    log = tmp_path / "log.csv"
    log.write_text("data")
    check_outputs([tmp_path / "new.md", None, Path("-"), null_device], [log, None])  # no exception
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "null"]  # checking creates nothing


def test_the_same_output_twice_is_refused_also_through_a_symlink(tmp_path):
    (tmp_path / "alias.md").symlink_to(tmp_path / "report.md")  # dangling: the report does not exist yet
    with pytest.raises(UsageError, match="the same output file is given twice"):
        check_outputs([tmp_path / "report.md", tmp_path / "alias.md"], [])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "no" / "such" / "out.md", "the output folder does not exist"),
        (lambda tmp: tmp, "the output is a folder"),
        (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt" / "out.md", "the output folder does not exist"),
    ],
)
def test_an_output_that_cannot_be_a_file_is_refused_with_one_line(tmp_path, make, message):
    output = make(tmp_path)
    with pytest.raises(UsageError) as caught:
        check_outputs([output], [])
    assert one_line(caught.value).startswith(f"{message} in {output} — ")
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("read_only", "message"),
    [(True, "the output folder is read-only"), (False, "no permission to write the output")],
)
def test_a_folder_that_takes_no_new_file_is_refused_before_any_work(tmp_path, monkeypatch, read_only, message):
    # Root ignores permission bits, so both cases are simulated the way the kernel reports them.
    real_statvfs = os.statvfs
    monkeypatch.setattr(runtime.os, "access", lambda path, mode: False)

    class Flags:
        def __init__(self, path):
            self.f_flag = (os.ST_RDONLY if read_only else 0) | real_statvfs(path).f_flag & ~os.ST_RDONLY

    monkeypatch.setattr(runtime.os, "statvfs", Flags)
    with pytest.raises(UsageError) as caught:
        check_outputs([tmp_path / "out.md"], [])
    assert one_line(caught.value).startswith(f"{message} in {tmp_path / 'out.md'} — ")


# --- writing one file --------------------------------------------------------------------------------


def test_writing_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.md"
    target.write_text("old")
    os.chmod(target, 0o600)  # a private report stays private
    link = tmp_path / "link.md"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_mode_any_new_file_gets(tmp_path):
    umask = os.umask(0o027)
    try:
        write_atomic(tmp_path / "out.md", "text")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "out.md").st_mode) == 0o640


def test_a_device_is_written_to_not_replaced(null_device, system_null):
    write_atomic(null_device, "to the bin")
    write_atomic(system_null, b"to the bin")
    assert is_char_device(null_device)
    assert is_char_device(system_null)


def within(seconds: float, work) -> None:
    """Run `work` in a daemon thread: a regression that blocks on a pipe fails the test, not the run."""
    errors: list[BaseException] = []

    def guarded():
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if errors:
        raise errors[0]


def read_pipe(fifo: Path, received: list[bytes]) -> threading.Thread:
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    return reader


def test_a_fifo_is_streamed_to(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = read_pipe(fifo, received)
    within(10, lambda: write_atomic(fifo, "through the pipe\n"))
    reader.join(10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_full_disk_is_one_sentence_and_exit_2(full_device, tmp_path):
    with pytest.raises(UsageError) as caught:
        write_atomic(full_device, "x" * 100_000)
    assert one_line(caught.value) == f"the disk is full in {full_device} — free some space or write the output somewhere else"
    assert caught.value.exit_code == 2
    assert is_char_device(full_device)
    link = tmp_path / "report.md"
    link.symlink_to(full_device)
    with pytest.raises(UsageError, match="the disk is full"):
        write_atomic(link, "x")
    assert link.is_symlink() and is_char_device(full_device)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(errno.EACCES, "Permission denied"), "no permission to write the output"),
        (OSError(errno.EROFS, "Read-only file system"), "the output folder is read-only"),
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    ],
)
@pytest.mark.parametrize("step", ["create", "rename"])
def test_a_failing_write_leaves_the_target_and_no_temp_file(tmp_path, monkeypatch, error, message, step):
    target = tmp_path / "out.md"
    target.write_text("old")
    real_open = os.open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise error
        return real_open(path, *args, **kwargs)

    def failing_replace(source, destination):
        raise error

    if step == "create":
        monkeypatch.setattr(runtime.os, "open", failing_open)
    else:
        monkeypatch.setattr(runtime.os, "replace", failing_replace)
    with pytest.raises(UsageError) as caught:
        write_atomic(target, "new")
    monkeypatch.undo()
    assert one_line(caught.value).startswith(f"{message} in {target} — ")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_handled_turns_a_write_failure_into_exit_2_and_one_line(tmp_path, monkeypatch, capsys):
    def read_only(source, destination):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(runtime.os, "replace", read_only)
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        write_atomic(tmp_path / "out.md", "x")
    assert caught.value.exit_code == 2
    assert capsys.readouterr().err.splitlines() == [f"Error: the output folder is read-only in {tmp_path / 'out.md'} — choose a folder you can write to"]


def test_a_full_disk_elsewhere_is_exit_2_not_a_bug(capsys):
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        raise OSError(errno.ENOSPC, "No space left on device", "/tmp/cxmine-xes-1/part0.xes")
    assert caught.value.exit_code == 2
    assert capsys.readouterr().err.splitlines() == ["Error: the disk is full in /tmp/cxmine-xes-1/part0.xes — free some space or write the output somewhere else"]


# --- several files: all or nothing -------------------------------------------------------------------


def test_write_all_checks_every_destination_before_writing_any(tmp_path):
    first = tmp_path / "report.html"
    first.write_text("old")
    with pytest.raises(UsageError, match="the output folder does not exist"):
        write_all([(first, "new"), (tmp_path / "missing" / "report.md", "new")], reads=[])
    assert first.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_write_all_refuses_an_input_among_its_outputs(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("events")
    with pytest.raises(UsageError, match="overwrite an input file"):
        write_all([(tmp_path / "a.md", "a"), (log, "b")], reads=[log])
    assert log.read_text() == "events"
    assert not (tmp_path / "a.md").exists()


def test_write_all_leaves_every_target_untouched_when_one_write_fails(tmp_path, monkeypatch):
    targets = [tmp_path / f"out{i}.md" for i in range(3)]
    for target in targets:
        target.write_text("old")
    real_write = runtime._write_new
    calls: list[Path] = []

    def third_fails(temp, data):
        calls.append(temp)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(temp, data)

    monkeypatch.setattr(runtime, "_write_new", third_fails)
    with pytest.raises(UsageError, match=f"the disk is full in {targets[2]}"):
        write_all([(t, "new") for t in targets], reads=[])
    assert [t.read_text() for t in targets] == ["old", "old", "old"]
    assert len(calls) == 3 and leftovers(tmp_path) == []


def test_write_all_renames_nothing_when_a_device_output_fails(tmp_path, full_device):
    target = tmp_path / "report.md"
    target.write_text("old")
    with pytest.raises(UsageError, match="the disk is full"):
        write_all([(target, "new"), (full_device, "new")], reads=[])
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


def test_write_all_writes_everything_and_says_so(tmp_path, null_device, capsys):
    files = [(tmp_path / "a.md", "α"), (tmp_path / "b.json", b"{}"), (null_device, "gone")]
    write_all(files, reads=[])
    assert (tmp_path / "a.md").read_text(encoding="utf-8") == "α"
    assert (tmp_path / "b.json").read_bytes() == b"{}"
    assert capsys.readouterr().err.splitlines() == [f"Wrote {path}" for path, _ in files]


# --- atomic_path: the temp file exists only while it is written ------------------------------------


def test_atomic_path_creates_nothing_until_the_writer_writes(tmp_path):
    target = tmp_path / "out.parquet"
    with atomic_path(target, inputs=()) as temp:
        assert list(tmp_path.iterdir()) == []  # long work here leaves nothing behind if killed
        assert temp.parent == tmp_path and temp.name.startswith(".out.parquet.") and temp.name.endswith(".tmp")
        temp.write_bytes(b"PAR1")
    assert target.read_bytes() == b"PAR1"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_path_checks_its_output_on_entry(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("events")
    entered = False
    with pytest.raises(UsageError, match="overwrite an input file"):
        with atomic_path(log, inputs=(log,)):
            entered = True
    assert not entered
    assert log.read_text() == "events"


def test_atomic_path_removes_the_temp_file_when_the_writer_fails(tmp_path):
    with pytest.raises(ValueError, match="bad data"):
        with atomic_path(tmp_path / "out.csv") as temp:
            temp.write_text("half")
            raise ValueError("bad data")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_maps_a_writers_disk_error_but_not_other_errors(tmp_path):
    with pytest.raises(UsageError, match="the disk is full in .*out.parquet"):
        with atomic_path(tmp_path / "out.parquet") as temp:
            temp.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "Error writing bytes to file")  # pyarrow: no file name
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "out.parquet"):
            open(tmp_path / "some-input.csv")  # an input problem is not an output problem
    assert list(tmp_path.iterdir()) == []


def test_a_writer_that_deletes_its_target_on_failure_never_touches_the_device(full_device):
    """pyarrow's write_table removes the path it was given when writing fails: the device must never be
    that path (handed /dev/full once, pyarrow deleted the machine's device node)."""
    with pytest.raises(UsageError, match="the disk is full"):
        with atomic_path(full_device) as temp:
            assert temp != full_device
            temp.write_bytes(b"x" * 1000)
    assert is_char_device(full_device)
    with pytest.raises(UsageError, match="input/output error"):
        with atomic_path(full_device) as temp:
            try:
                raise OSError(errno.EIO, "writer failed", str(temp))
            finally:
                if temp.exists():
                    temp.unlink()
    assert is_char_device(full_device)
    assert not any(name.startswith(".full.") for name in spooled())


def test_atomic_path_to_a_device_copies_the_finished_bytes(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = read_pipe(fifo, received)

    def convert():
        with atomic_path(fifo) as temp:
            assert temp != fifo  # a writer is never handed the pipe itself
            temp.write_bytes(b"whole file")

    within(10, convert)
    reader.join(10)
    assert received == [b"whole file"]


# --- stdout ------------------------------------------------------------------------------------------


def test_a_closed_stdout_pipe_is_a_quiet_exit_141(monkeypatch, capsys):
    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        emit("the product", None)
    assert caught.value.exit_code == BROKEN_PIPE == 141
    assert capsys.readouterr().err == ""


def test_emit_writes_files_without_terminal_colours(tmp_path, capsys):
    emit("\x1b[1mbold\x1b[0m\n", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == "bold\n"
    assert capsys.readouterr().err.splitlines() == [f"Wrote {tmp_path / 'out.txt'}"]


# --- signals -----------------------------------------------------------------------------------------


def test_sigterm_while_writing_removes_the_temp_file_and_exits_143(default_signals, tmp_path, capsys):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        with atomic_path(target) as temp:
            temp.write_text("half a file")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises long before this ends
    assert caught.value.exit_code == TERMINATED == 143
    assert capsys.readouterr().err.splitlines() == ["Error: terminated (SIGTERM)"]
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handled() put the default back


def test_sigterm_anywhere_in_a_command_is_one_line_and_143(default_signals, capsys):
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    assert caught.value.exit_code == 143
    assert capsys.readouterr().err.splitlines() == ["Error: terminated (SIGTERM)"]


def test_ctrl_c_is_one_line_and_130(default_signals, capsys):
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    assert caught.value.exit_code == INTERRUPTED == 130
    assert capsys.readouterr().err.splitlines() == ["Error: interrupted"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_swallowed_by_a_library_still_stops_the_command(default_signals, capsys):
    """pyo3 turns an exception raised inside its callbacks into a PanicException, which the XES reader
    catches to parse again with lxml: the run must still end as terminated, not succeed."""
    ran_on = False
    with pytest.raises(typer.Exit) as caught, handled(debug=False):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        except BaseException:  # noqa: BLE001 - what the library does
            pass
        ran_on = True
    assert ran_on
    assert caught.value.exit_code == 143
    assert capsys.readouterr().err.splitlines() == ["Error: terminated (SIGTERM)"]
    with handled(debug=False):  # the next command in this process is not stopped by the old signal
        ran_on = "next command"
    assert ran_on == "next command"


def test_a_swallowed_signal_publishes_no_output(default_signals, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(typer.Exit), handled(debug=False):
        with atomic_path(target) as temp:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            except BaseException:  # noqa: BLE001
                pass
            temp.write_text("complete, but the run was told to stop")
    assert list(tmp_path.iterdir()) == []
    write_atomic(target, "a later write in the same process")  # no stale stop request
    assert target.read_text() == "a later write in the same process"


def test_signals_wait_until_a_set_of_renames_is_done(default_signals, tmp_path):
    done = []
    with pytest.raises(SystemExit) as caught:
        with runtime._catching_signals(interrupt=False), runtime._uninterrupted():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            done.append("second rename")
    assert done == ["second rename"]
    assert caught.value.code == 143


def test_a_run_that_ignores_sigterm_is_stopped_after_the_grace_period(tmp_path):
    """A real process: the exception is swallowed and the work goes on; the watchdog removes the temp
    file, prints the line and exits 143 (SIGKILL cannot be caught at all: the temp file's short life is
    the only defence there)."""
    script = f"""
import os, signal, time
from pathlib import Path
from cxmine.cli import runtime
runtime.STOP_GRACE_SECONDS = 0.5
with runtime.handled(debug=False):
    with runtime.atomic_path(Path({str(tmp_path / 'out.csv')!r})) as temp:
        temp.write_text("half")
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
        except BaseException:
            pass
        time.sleep(60)
"""
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={**os.environ, **CLI_ENV}, check=False)
    assert time.monotonic() - started < 30
    assert completed.returncode == 143
    assert completed.stderr.splitlines() == ["Error: terminated (SIGTERM)"]
    assert list(tmp_path.iterdir()) == []


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has a SIGTERM handler yet (the command is running), from /proc/PID/status."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not BPI_2012.exists(), reason="BPI Challenge 2012 log not present")
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to see when the command runs")
def test_sigterm_during_convert_exits_143_and_leaves_no_temp_file(tmp_path):
    env = {**os.environ, **CLI_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cxmine", "convert", str(BPI_2012), "out.parquet"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    started = time.monotonic()
    while not _catches_sigterm(process.pid) and process.poll() is None and time.monotonic() - started < 60:
        time.sleep(0.02)  # on a busy machine the interpreter may still be starting after 1 s
    time.sleep(0.3)  # inside the command (reading the log takes about a second), not after it: a fast machine finishes it in 1.2 s
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143  # not -15: the signal was handled, not fatal
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("Warning:")]
    assert lines == ["Error: terminated (SIGTERM)"]
    assert list(tmp_path.iterdir()) == []  # no .out.parquet.XXXX.tmp, no half out.parquet


# --- end to end through the CLI ----------------------------------------------------------------------


def test_friction_to_dev_null_keeps_dev_null(cli, system_null):
    code, stdout, stderr = cli("friction", DATA / "running-example.csv", "-o", system_null)
    assert code == 0, stderr
    assert stdout == ""
    assert is_char_device(system_null)


def test_friction_output_through_a_symlink_keeps_the_symlink(cli, tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    code, _, stderr = cli("friction", DATA / "running-example.csv", "--format", "json", "-o", link)
    assert code == 0, stderr
    assert link.is_symlink()
    assert target.read_text().lstrip().startswith("{")
    assert leftovers(tmp_path) == []


def test_convert_onto_a_full_disk_is_exit_2_with_one_line(cli, tmp_path, full_device):
    out = tmp_path / "out.csv"
    out.symlink_to(full_device)
    code, _, stderr = cli("convert", DATA / "running-example.csv", out)
    assert code == 2
    assert [line for line in stderr if line.startswith("Error:")] == [stderr[-1]]
    assert stderr[-1] == f"Error: the disk is full in {out} — free some space or write the output somewhere else"
    assert out.is_symlink() and is_char_device(full_device)
    assert leftovers(tmp_path) == []


def test_convert_into_a_missing_folder_fails_before_reading(cli, tmp_path):
    code, _, stderr = cli("convert", DATA / "running-example.csv", tmp_path / "no" / "out.parquet")
    assert code == 2
    assert stderr == [f"Error: the output folder does not exist in {tmp_path / 'no' / 'out.parquet'} — create it first"]


def test_output_to_dev_stdout_appends_to_what_the_shell_opened(tmp_path):
    """`>> file` with -o /dev/stdout: the file keeps what it held (it is not replaced by a new one)."""
    log = tmp_path / "collected.txt"
    log.write_text("earlier run\n")
    inode = os.stat(log).st_ino
    with open(log, "ab") as stdout:
        completed = subprocess.run(
            [sys.executable, "-m", "cxmine", "inspect", str(DATA / "running-example.xes"), "--format", "json", "-o", "/dev/stdout"],
            stdout=stdout, stderr=subprocess.PIPE, text=True, env={**os.environ, **CLI_ENV}, timeout=120, check=False,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    text = log.read_text()
    assert text.startswith("earlier run\n{")
    assert os.stat(log).st_ino == inode


@pytest.mark.parametrize("name", ["complaints.csv", "cxmine.toml"])
def test_friction_refuses_to_write_over_its_config_or_complaints(cli, example, name):
    before = (example / name).read_bytes()
    code, _, stderr = cli("friction", example / "orders.csv", "-o", example / name)
    assert code == 2
    assert [line for line in stderr if line.startswith("Error:")] == [stderr[-1]]
    assert stderr[-1] == f"Error: the output would overwrite an input file in {example / name} — choose another output path"
    assert (example / name).read_bytes() == before


def test_timings_refuses_to_write_over_its_config(cli, example):
    before = (example / "cxmine.toml").read_bytes()
    code, _, stderr = cli("timings", example / "orders.csv", "-o", example / "cxmine.toml")
    assert code == 2
    assert stderr[-1].startswith("Error: the output would overwrite an input file")
    assert (example / "cxmine.toml").read_bytes() == before


def test_report_checks_every_output_before_writing_any(cli, example):
    first = example / "report.html"
    first.write_text("last week")
    code, _, stderr = cli("report", example / "orders.csv", "-o", first, "-o", example / "missing" / "report.md")
    assert code == 2
    assert stderr[-1].startswith("Error: the output folder does not exist")
    assert first.read_text() == "last week"
    assert leftovers(example) == []
