"""XES and XES.gz reader → raw frame (pm4py-style column names), handed to core.normalise.

The file is read once into memory (decompressed when it is gzip data, by content), decoded by the
encoding its XML declaration names (invalid bytes are an error naming the line), and then tokenised
by one of two readers that feed one builder, so both give the same table:

- the fast reader: vectorised (numpy on the bytes; a big body in parts, one thread per core) for the
  regular shape every XES exporter writes (`<trace>`, `<event>`, `<string key="…" value="…"/>` …).
  It validates what it reads; anything outside that shape (comments or nesting in the body, a DTD, an
  odd attribute order, a broken tag) goes to
- the strict reader: lxml's streaming parser, with internal DTD entities expanded, external ones and
  the network off and libxml2's limits on (depth, entity amplification). It reads any well-formed XES
  and names the line of the first error. When it has to read a file, a warning says why.

Neither reader holds the interpreter for long (no native parser running for seconds), so Ctrl-C stops
a load at once. (rustxes, the Rust parser pm4py uses, did: see `_read_rustxes` at the end.)
"""
from __future__ import annotations

import codecs
import io
import os
import re
import sys
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from cxmine.errors import InputError
from cxmine.io.compressed import GZIP_MAGIC, gzip_error
from cxmine.model import Warning_

XES_CASE = "case:concept:name"
XES_ACTIVITY = "concept:name"
XES_TIMESTAMP = "time:timestamp"

# XES attribute types, as codes shared by both readers.
STRING, DATE, INT, FLOAT, BOOLEAN, ID = range(6)
TYPE_CODES = {"string": STRING, "date": DATE, "int": INT, "float": FLOAT, "boolean": BOOLEAN, "id": ID}
TYPE_NAMES = {code: name for name, code in TYPE_CODES.items()}
# Deeper than this is not an XES log (log/trace/event/attribute and a few levels of nested
# attributes); libxml2 refuses 256 levels by itself, this says so in XES terms first.
MAX_DEPTH = 128


def read_xes(path: Path, notes: list[Warning_] | None = None) -> pd.DataFrame:
    """Events in file order; trace attributes as `case:<key>`.

    Dates are tz-aware UTC when every value of an attribute carries an offset (the XES norm), naive
    when none does (core.normalise then applies --timezone and warns, as for CSV), and text when they
    mix (core.normalise parses the timestamp columns, offsets where given and --timezone elsewhere).
    `notes` receives the reader's warnings.
    """
    notes = notes if notes is not None else []
    data = _decoded(path, _read_bytes(path))
    try:
        tokens = _tokens_fast(data)
    except _Irregular as irregular:
        tokens = _tokens_strict(data, path)
        notes.append(
            Warning_(
                "xes_strict_reader",
                f"the fast XES reader stopped at line {irregular.line} ({irregular.reason}); "
                "the file was read with the slower strict parser instead",
                1,
            )
        )
    frame = _build(tokens, notes)
    if len(frame) == 0:
        raise InputError("the log has no events", file=str(path), hint="check that the file holds <trace> and <event> elements")
    return frame


# --------------------------------------------------------------------------------------- bytes


def _read_bytes(path: Path) -> bytes:
    """The whole document, decompressed when the file is gzip data (several members allowed)."""
    try:
        raw = path.read_bytes()
        if not raw.startswith(GZIP_MAGIC):
            return raw
        parts = []
        while raw:
            decompressor = zlib.decompressobj(wbits=31)
            parts.append(decompressor.decompress(raw))
            if not decompressor.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            raw = decompressor.unused_data
            if raw and not raw.startswith(GZIP_MAGIC):
                break  # trailing garbage after the last member, as gzip(1) tolerates zero padding
        return parts[0] if len(parts) == 1 else b"".join(parts)
    except (OSError, EOFError, zlib.error) as exc:
        raise gzip_error(path, exc) from None


_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z][A-Za-z0-9._-]*)[\"']")
_UTF8_NAMES = {"utf-8", "utf_8", "ascii", "us-ascii"}


def _decoded(path: Path, data: bytes) -> bytes:
    """The document as UTF-8, whatever it declares; bytes invalid in its encoding are an InputError.

    Both readers get these bytes, so the declared encoding is honoured on every path (a file declared
    ISO-8859-1 no longer loads as `�berpr�fung` on one path and fails on the other)."""
    encoding = None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        encoding = "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif data.startswith(b"<\x00?\x00"):
        encoding = "utf-16-le"
    elif data.startswith(b"\x00<\x00?"):
        encoding = "utf-16-be"
    declared = None
    if encoding is None or encoding == "utf-8":
        match = _DECLARATION.match(data[:256])
        declared = match.group(1).decode("ascii") if match else None
        if encoding is None:
            encoding = declared or "utf-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(
            f"unknown encoding {encoding!r} in the XML declaration",
            file=str(path),
            line=1,
            hint="correct the encoding=\"…\" in the first line (e.g. UTF-8 or ISO-8859-1), or re-export the file",
        ) from None
    if codec == "utf-8" or (codec == "ascii" and data.isascii()):
        if not data.isascii():
            _check_utf8(path, data, declared)
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, data, exc, codec, declared or encoding) from None
    text = text.lstrip("\ufeff")
    data = text.encode("utf-8")
    # The bytes are UTF-8 now: say so, for the header parser and the strict reader.
    return re.sub(rb"^(<\?xml[^>]*?encoding\s*=\s*[\"'])[^\"']*", rb"\g<1>UTF-8", data[:256], count=1) + data[256:]


def _check_utf8(path: Path, data: bytes, declared: str | None) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    for start in range(0, len(data), step):
        try:
            decoder.decode(data[start : start + step], final=start + step >= len(data))
        except UnicodeDecodeError as exc:
            # Position in the whole file: the decoder may hold back up to 3 bytes of an unfinished character.
            at = data.rfind(b"\n", 0, start + max(exc.start, 0)) + 1
            bad = start + exc.start
            for offset in range(max(start - 3, 0), min(start + exc.start + 1, len(data))):
                try:
                    data[at:offset + 1].decode("utf-8")
                except UnicodeDecodeError as inner:
                    if inner.reason != "unexpected end of data":
                        bad = at + inner.start
                        break
            raise InputError(
                f"bytes that are not valid UTF-8 (byte 0x{data[bad]:02x})",
                file=str(path),
                line=data.count(b"\n", 0, bad) + 1,
                hint=(
                    f"the file declares {declared}" if declared else "the file declares no encoding, which means UTF-8"
                )
                + "; re-export it as UTF-8, or put its real encoding in the first line, e.g. <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
            ) from None


def _decode_error(path: Path, data: bytes, exc: UnicodeDecodeError, codec: str, declared: str) -> InputError:
    if codec.startswith(("utf-16", "utf-32")):
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
    else:
        line = data.count(b"\n", 0, exc.start) + 1
    return InputError(
        f"bytes that are not valid {declared} (byte 0x{data[exc.start]:02x})",
        file=str(path),
        line=line,
        hint="the XML declaration names the wrong encoding; correct it or re-export the file",
    )


# ------------------------------------------------------------------------------------- tokens


@dataclass
class _Tokens:
    """What either reader found: events (with the index of their trace, -1 outside any trace), and
    one row per attribute of a trace or an event, in file order."""

    n_traces: int
    event_trace: np.ndarray  # int64, one per event
    attr_is_event: np.ndarray  # bool
    attr_owner: np.ndarray  # int64: event index or trace index
    attr_type: np.ndarray  # int8 type code
    attr_key: object  # pyarrow string array
    attr_value: object  # pyarrow string array (text as written, entities expanded)
    defaults: dict[tuple[bool, str], tuple[int, str]] = field(default_factory=dict)  # <global> values
    raw: bool = False  # keys and values as written in the file (fast reader), not yet as XML reads them
    needs_unescape: bool = False  # ... and they hold entity references
    stride: int = 1  # attribute i is element i * stride of attr_key and attr_value


class _Irregular(Exception):
    """The file is outside the fast reader's shape (or broken): the strict reader takes over."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


_FIRST_TRACE = re.compile(rb"<trace[\s/>]")
_REFERENCE = re.compile(rb"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_:][\w.:-]*);")
_PREDEFINED = {b"amp", b"lt", b"gt", b"quot", b"apos"}
# Bytes that need no closer look: text and markup, without the C0 controls (never allowed in XML),
# '&' (entity references) and ']' (']]>').
_ORDINARY_BYTES = bytes(b for b in [9, 10, 13, *range(32, 256)] if b not in b"&]")

# What may follow "<" in the body, as (code, bytes after "<").
_TRACE_OPEN, _TRACE_CLOSE, _EVENT_OPEN, _EVENT_CLOSE, _LOG_CLOSE, _ATTRIBUTE = 1, 2, 3, 4, 5, 10
_STRUCTURE = ((_TRACE_OPEN, b"trace>"), (_TRACE_CLOSE, b"/trace>"), (_EVENT_OPEN, b"event>"), (_EVENT_CLOSE, b"/event>"), (_LOG_CLOSE, b"/log>"))
_ATTRIBUTES = tuple((_ATTRIBUTE + code, f'{name} key="'.encode()) for name, code in TYPE_CODES.items())


def _words(token: bytes) -> tuple[int, int, int, int]:
    """The token as two little-endian 8-byte words and their masks."""
    padded = token.ljust(16, b"\0")
    mask = (b"\xff" * len(token)).ljust(16, b"\0")
    return (
        int.from_bytes(padded[:8], "little"),
        int.from_bytes(padded[8:], "little"),
        int.from_bytes(mask[:8], "little"),
        int.from_bytes(mask[8:], "little"),
    )


_VALUE_SEPARATOR = _words(b'" value=')
_TOKENS = _STRUCTURE + _ATTRIBUTES


def _token_tables():
    """Per token (index 1…): code, words and masks, length up to its opening quote; and a table from
    the first two bytes after "<" to the one token that can start with them (0: none)."""
    size = len(_TOKENS) + 1
    code, low, high, low_mask, high_mask = (np.zeros(size, dtype=np.uint64) for _ in range(5))
    by_prefix = np.zeros(1 << 16, dtype=np.int64)
    for index, (value, token) in enumerate(_TOKENS, start=1):
        code[index] = value
        low[index], high[index], low_mask[index], high_mask[index] = _words(token)
        prefix = int.from_bytes(token[:2], "little")
        assert by_prefix[prefix] == 0, "two tokens share their first two bytes"
        by_prefix[prefix] = index
    # Token 0 matches nothing: mask everything, expect a value no masked word can have.
    low_mask[0], low[0] = np.uint64(0), np.uint64(1)
    length = np.zeros(256, dtype=np.int64)
    for value, token in _ATTRIBUTES:
        length[value] = len(token)
    return by_prefix, code.astype(np.int8), low, high, low_mask, high_mask, length


_TOKEN_BY_PREFIX, _TOKEN_CODE, _TOKEN_LOW, _TOKEN_HIGH, _TOKEN_LOW_MASK, _TOKEN_HIGH_MASK, _TOKEN_LENGTH = _token_tables()


def _line_at(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _tokens_fast(data: bytes) -> _Tokens:
    """Vectorised reading of the regular XES shape; raises _Irregular for anything else.

    Every "<" after the header begins a segment that runs to the next "<" (no comment, CDATA or
    processing instruction may hide one: those are irregular). A segment must be one of
    `<trace>` `</trace>` `<event>` `</event>` `</log>` or `<TYPE key="K" value="V"/>` followed by
    text; their nesting is checked with a running depth. No Python step per element."""
    import pyarrow as pa  # noqa: PLC0415

    # One scan for what needs a closer look: control characters (never allowed), '&' (entity
    # references) and ']' (for ']]>', not allowed in text).
    special = data.translate(None, _ORDINARY_BYTES)
    if special.strip(b"&]"):
        bad = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data)
        raise _Irregular("a control character", _line_at(data, bad.start() if bad else 0))
    found = _FIRST_TRACE.search(data)
    if found is None:
        raise _Irregular("no <trace> element", 1)
    start = found.start()
    defaults = _header(data, start)
    if (b"]" in special and data.find(b"]]>", start) >= 0) or (not data.isascii() and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)):
        raise _Irregular("']]>' or a non-character", _line_at(data, start))

    needs_unescape = False
    if b"&" in special:
        references = _REFERENCE.findall(data, start)
        if len(references) != data.count(b"&", start):
            raise _Irregular("a '&' that is not an entity reference", _line_at(data, start))
        names = set(references)
        unknown_names = {name for name in names if not name.startswith(b"#")} - _PREDEFINED
        if unknown_names or not all(_valid_character(name) for name in names if name.startswith(b"#")):
            raise _Irregular("an entity other than &amp; &lt; &gt; &quot; &apos;", _line_at(data, start))
        needs_unescape = True

    # Big bodies are cut before a <trace> into one part per core; numpy releases the interpreter lock
    # in its loops, so the parts are scanned at once by threads.
    cuts = [start]
    parts = min(_usable_cores(), 4) if len(data) - start >= PARALLEL_MIN_BYTES else 1
    for k in range(1, parts):
        cut = data.find(b"<trace>", start + k * (len(data) - start) // parts)
        if cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(len(data))
    scanned = _in_threads([(data, begin, end, end == len(data)) for begin, end in zip(cuts, cuts[1:])])

    n_traces = n_events = 0
    event_trace, is_event, owners, types, spans = [], [], [], [], []
    for part in scanned:
        event_trace.append(part.event_trace + n_traces)
        is_event.append(part.attr_is_event)
        owners.append(part.attr_owner + np.where(part.attr_is_event, n_events, n_traces))
        types.append(part.attr_type)
        spans.append(part.quotes)
        n_traces += part.n_traces
        n_events += len(part.event_trace)
    quotes = np.concatenate(spans)
    del scanned, spans
    buffer = pa.py_buffer(data)
    return _Tokens(
        n_traces=n_traces,
        event_trace=np.concatenate(event_trace),
        attr_is_event=np.concatenate(is_event),
        attr_owner=np.concatenate(owners),
        attr_type=np.concatenate(types),
        attr_key=_spans(pa, buffer, quotes[:, 0] + 1, quotes[:, 1]),
        attr_value=_spans(pa, buffer, quotes[:, 2] + 1, quotes[:, 3]),
        defaults=defaults,
        raw=True,
        needs_unescape=needs_unescape,
        stride=2,
    )


# Bodies at least this large are scanned in parts by several threads (one per usable core, up to 4).
PARALLEL_MIN_BYTES = 8 * 2**20


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@dataclass
class _Part:
    n_traces: int
    event_trace: np.ndarray
    attr_is_event: np.ndarray
    attr_owner: np.ndarray
    attr_type: np.ndarray
    quotes: np.ndarray  # (attributes, 4): the quotes around key and value


def _in_threads(jobs: list[tuple]) -> list[_Part]:
    """_scan_part for each job, the first in this thread and the others in daemon threads (a Ctrl-C
    here is not held up by them, and they do not keep the process alive)."""
    import threading  # noqa: PLC0415

    results: list[object] = [None] * len(jobs)

    def work(index: int) -> None:
        try:
            results[index] = _scan_part(*jobs[index])
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            results[index] = exc

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(1, len(jobs))]
    for thread in threads:
        thread.start()
    work(0)
    for thread in threads:
        while thread.is_alive():
            thread.join(0.05)
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        irregular = [f for f in failures if isinstance(f, _Irregular)]
        raise min(irregular, key=lambda f: f.line) if irregular else failures[0]
    return results  # type: ignore[return-value]


def _scan_part(data: bytes, begin: int, end: int, last: bool) -> _Part:
    """The segments of data[begin:end], which starts with a <trace> and ends after a </trace> (or,
    for the last part, with </log>)."""
    size = len(data)
    opens, quotes = _marks(data, begin, end)
    n = len(opens)
    if n == 0:
        raise _Irregular("no element after <trace", _line_at(data, begin))

    # Classify each segment by the bytes after "<", read as two 8-byte words through an unaligned
    # strided view: a table on the first two bytes names the only token it can be, then one compare.
    words = np.ndarray((max(size - 7, 0),), dtype="<u8", buffer=data, offset=0, strides=(1,))
    first = words[np.minimum(opens + 1, len(words) - 1)]
    second = words[np.minimum(opens + 9, len(words) - 1)]
    candidate = _TOKEN_BY_PREFIX[(first & np.uint64(0xFFFF)).astype(np.int64)]
    code = np.where(
        ((first & _TOKEN_LOW_MASK[candidate]) == _TOKEN_LOW[candidate])
        & ((second & _TOKEN_HIGH_MASK[candidate]) == _TOKEN_HIGH[candidate]),
        _TOKEN_CODE[candidate],
        0,
    ).astype(np.int8)
    del first, second, candidate
    for i in np.flatnonzero(opens >= size - 17):  # the words there were clipped: compare the bytes
        code[i] = next((value for value, token in _TOKENS if data.startswith(token, int(opens[i]) + 1)), 0)
    unknown = np.flatnonzero(code == 0)
    if len(unknown):
        position = int(opens[unknown[0]])
        raise _Irregular(f"{data[position:position + 20].split(b'>')[0].decode(errors='replace')}…", _line_at(data, position))

    # Nesting: traces at the top, events in traces, attributes in either; </log> last.
    delta = np.zeros(n, dtype=np.int8)
    delta[(code == _TRACE_OPEN) | (code == _EVENT_OPEN)] = 1
    delta[(code == _TRACE_CLOSE) | (code == _EVENT_CLOSE)] = -1
    before = np.cumsum(delta, dtype=np.int64) - delta
    is_attribute = code >= _ATTRIBUTE
    wrong = (
        ((code == _TRACE_OPEN) & (before != 0))
        | ((code == _EVENT_OPEN) & (before != 1))
        | ((code == _EVENT_CLOSE) & (before != 2))
        | ((code == _TRACE_CLOSE) & (before != 1))
        | (is_attribute & (before == 0))
        | (code == _LOG_CLOSE)
    )
    if last:
        wrong[-1] = code[-1] != _LOG_CLOSE or before[-1] != 0
    elif code[-1] != _TRACE_CLOSE or before[-1] != 1:
        wrong[-1] = True
    if wrong.any():
        raise _Irregular("an element out of place", _line_at(data, int(opens[np.flatnonzero(wrong)[0]])))
    if last and data[int(opens[-1]) + 6:].strip():
        raise _Irregular("content after </log>", _line_at(data, int(opens[-1])))

    # Attributes: exactly key="…" value="…" then "/>" or " />". With four quotes in each attribute
    # and none elsewhere, the quotes are the attributes' in blocks of four: a reshape, no search.
    rows = np.flatnonzero(is_attribute)
    if len(quotes) != 4 * len(rows):
        raise _Irregular("quotes outside key=\"…\" value=\"…\"", _line_at(data, begin))
    block = quotes.reshape(-1, 4)
    q0, q1, q2, q3 = block[:, 0], block[:, 1], block[:, 2], block[:, 3]
    low, _, low_mask, _ = _VALUE_SEPARATOR
    after = words[np.minimum(q3 + 1, len(words) - 1)]
    closed = (after & np.uint64(0xFFFF)) == np.uint64(int.from_bytes(b"/>", "little"))
    spaced = (after & np.uint64(0xFFFFFF)) == np.uint64(int.from_bytes(b" />", "little"))
    good = (closed | spaced) & (q3 + np.where(closed, 3, 4) <= opens[rows + 1])
    good &= q0 == opens[rows] + _TOKEN_LENGTH[code[rows]]
    good &= ((q2 - q1) == 8) & ((words[q1] & np.uint64(low_mask)) == np.uint64(low))
    if not good.all():
        raise _Irregular("an attribute that is not key=\"…\" value=\"…\"/>", _line_at(data, int(opens[rows[np.flatnonzero(~good)[0]]])))

    is_trace_open, is_event_open = code == _TRACE_OPEN, code == _EVENT_OPEN
    traces_so_far = np.cumsum(is_trace_open) - 1
    attr_is_event = before[rows] == 2
    owner = np.where(attr_is_event, np.cumsum(is_event_open)[rows] - 1, traces_so_far[rows])
    return _Part(
        n_traces=int(is_trace_open.sum()),
        event_trace=traces_so_far[is_event_open].astype(np.int64),
        attr_is_event=attr_is_event,
        attr_owner=owner.astype(np.int64),
        attr_type=(code[rows] - _ATTRIBUTE).astype(np.int8),
        quotes=block,
    )


def _spans(pa, buffer, begin: np.ndarray, end: np.ndarray):
    """data[begin[i]:end[i]] as element 2*i of a string array over the document's own bytes (no copy,
    no Python object per value): the gaps between the spans are the odd elements, marked missing."""
    if len(begin) == 0:
        return pa.array([], type=pa.large_string())
    small = begin.dtype == np.int32  # int32 offsets (a plain string array) below 2 GiB
    offsets = np.empty(2 * len(begin), dtype=np.int32 if small else np.int64)
    offsets[0::2] = begin
    offsets[1::2] = end
    length = len(offsets) - 1
    validity = np.full((length + 7) // 8, 0x55, dtype=np.uint8)  # bits 1,0,1,0,…: the spans only
    kind = pa.StringArray if small else pa.LargeStringArray
    return kind.from_buffers(length, pa.py_buffer(offsets), buffer, pa.py_buffer(validity), null_count=length // 2)


_CHUNK = 1 << 22


def _position_type(size: int):
    """Byte positions as int32 below 2 GiB (half the memory of int64), else int64."""
    return np.int32 if size < 2**31 - 64 else np.int64


def _marks(data: bytes, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every '<' and every '"' in data[start:end], in 4 MB chunks (no array the size of
    the file, and Ctrl-C is seen between chunks)."""
    body = np.frombuffer(data, dtype=np.uint8, count=end)
    position = _position_type(len(data))
    opens, quotes = [], []
    flags = np.empty(_CHUNK, dtype=bool)
    for offset in range(start, end, _CHUNK):
        chunk = body[offset : offset + _CHUNK]
        hits = flags[: len(chunk)]
        np.equal(chunk, ord("<"), out=hits)
        opens.append(np.flatnonzero(hits).astype(position) + position(offset))
        np.equal(chunk, ord('"'), out=hits)
        quotes.append(np.flatnonzero(hits).astype(position) + position(offset))
    empty = np.zeros(0, dtype=position)
    return (np.concatenate(opens) if opens else empty), (np.concatenate(quotes) if quotes else empty)


def _valid_character(reference: bytes) -> bool:
    text = reference.decode()
    try:
        point = int(text[2:], 16) if text.startswith("#x") else int(text[1:])
    except ValueError:
        return False
    return point in (0x9, 0xA, 0xD) or 0x20 <= point <= 0xD7FF or 0xE000 <= point <= 0xFFFD or 0x10000 <= point <= 0x10FFFF


def _header(data: bytes, start: int) -> dict[tuple[bool, str], tuple[int, str]]:
    """The part before the first <trace> (declaration, <log>, extensions, globals, log attributes),
    read with lxml: its <global> defaults. A DTD, or anything lxml cannot read there, is irregular."""
    from lxml import etree  # noqa: PLC0415

    head = data[:start]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _Irregular("a DTD", _line_at(data, head.find(b"<!")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(head + b"</log>", parser)
    except etree.XMLSyntaxError:
        raise _Irregular("the header", 1) from None
    if etree.QName(root).localname != "log":
        raise _Irregular("a root element other than <log>", 1)
    defaults: dict[tuple[bool, str], tuple[int, str]] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        if name in ("event", "trace"):
            raise _Irregular(f"an <{name}> before the first trace", child.sourceline or 1)
        if name == "global":
            is_event = child.get("scope", "event") != "trace"
            for attribute in child:
                if isinstance(attribute.tag, str) and etree.QName(attribute).localname in TYPE_CODES:
                    key, value = attribute.get("key"), attribute.get("value")
                    if key is not None and value is not None:
                        defaults.setdefault((is_event, key), (TYPE_CODES[etree.QName(attribute).localname], value))
    return defaults


def _tokens_strict(data: bytes, path: Path) -> _Tokens:
    """lxml's streaming parser: any well-formed XES, or an InputError naming the line."""
    import pyarrow as pa  # noqa: PLC0415
    from lxml import etree  # noqa: PLC0415

    event_trace: list[int] = []
    is_event: list[bool] = []
    owners: list[int] = []
    types: list[int] = []
    keys: list[str] = []
    values: list[str] = []
    defaults: dict[tuple[bool, str], tuple[int, str]] = {}
    stack: list[str] = []  # local names of the open elements
    trace = -1
    try:
        for action, element in etree.iterparse(
            io.BytesIO(data), events=("start", "end"), recover=False, huge_tree=False,
            resolve_entities="internal", no_network=True, load_dtd=False,
        ):
            if action == "start":
                tag = etree.QName(element).localname
                stack.append(tag)
                if len(stack) > MAX_DEPTH:
                    raise InputError(
                        f"elements nested more than {MAX_DEPTH} deep",
                        file=str(path),
                        line=element.sourceline,
                        hint="an XES log nests log, trace, event and attributes a few levels deep; this file is not an XES log or is damaged",
                    )
                if tag == "trace" and stack[:-1] == ["log"]:
                    trace += 1
                elif tag == "event" and stack[:-1] in (["log", "trace"], ["log"]):
                    event_trace.append(trace if len(stack) == 3 else -1)
                continue
            tag = stack.pop()
            if tag in TYPE_CODES and len(stack) >= 2:
                parent, key, value = stack[-1], element.get("key"), element.get("value")
                if key is not None and value is not None:
                    if parent == "event" and stack[:-1] in (["log", "trace"], ["log"]):
                        is_event.append(True)
                        owners.append(len(event_trace) - 1)
                    elif parent == "trace" and stack[:-1] == ["log"]:
                        is_event.append(False)
                        owners.append(trace)
                    elif parent == "global" and stack[:-1] == ["log"]:
                        scope = element.getparent().get("scope", "event") != "trace"
                        defaults.setdefault((scope, key), (TYPE_CODES[tag], value))
                        continue
                    else:
                        continue
                    types.append(TYPE_CODES[tag])
                    keys.append(key)
                    values.append(value)
            if tag in ("trace", "event") or len(stack) <= 1:
                element.clear(keep_tail=True)
                if len(stack) == 1:  # a finished child of <log>: drop it, or memory grows with the file
                    parent = element.getparent()
                    while parent is not None and element.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(path, exc) from None
    return _Tokens(
        n_traces=trace + 1,
        event_trace=np.asarray(event_trace, dtype=np.int64),
        attr_is_event=np.asarray(is_event, dtype=bool),
        attr_owner=np.asarray(owners, dtype=np.int64),
        attr_type=np.asarray(types, dtype=np.int8),
        attr_key=pa.array(keys, type=pa.large_string()),
        attr_value=pa.array(values, type=pa.large_string()),
        defaults=defaults,
    )


def _syntax_error(path: Path, exc) -> InputError:
    line = exc.position[0] if exc.position else exc.lineno
    message = re.sub(r", line \d+, column \d+$", "", " ".join(str(exc.msg).split()))  # one line, whatever libxml2 says
    if "Excessive depth" in message:
        hint = "an XES log nests log, trace, event and attributes a few levels deep; this file is not an XES log or is damaged"
        return InputError("elements nested too deep", file=str(path), line=line, hint=hint)
    if "amplification" in message or "entity reference loop" in message.lower():
        hint = "its DTD defines entities that expand without bound (an 'entity bomb'); remove the DTD from the file"
    elif re.search(r"Entity '.*' not defined", message):
        hint = (
            "define the entity in the file's DTD or write the character itself (a literal '&' is written &amp;); "
            "entities from other files (SYSTEM, PUBLIC) are never loaded"
        )
    else:
        hint = "the file is broken or truncated; re-export it from the source system"
    return InputError(f"malformed XES: {message}", file=str(path), line=line, hint=hint)


# ------------------------------------------------------------------------------------ builder


def _build(tokens: _Tokens, notes: list[Warning_]) -> pd.DataFrame:
    """One column per (trace or event, key); the first value wins where an element repeats a key.
    Typed by the XES type: int → Int64, float → Float64 (int and float mixed too), boolean → boolean,
    date → datetime, string and id → category; other mixes of types → text as written.

    Values are dictionary-encoded once; each column is then integer codes into that dictionary, and
    only the distinct values a column uses are cleaned and parsed (no string copied per event)."""

    n_events = len(tokens.event_trace)
    columns: dict[str, pd.Series] = {}
    if len(tokens.attr_owner) == 0:
        return pd.DataFrame(columns, index=pd.RangeIndex(n_events))
    keys, key_codes = _encoded(tokens.attr_key, tokens.stride, tokens.raw, tokens.needs_unescape)
    values, value_codes = _encoded(tokens.attr_value, tokens.stride, tokens.raw, tokens.needs_unescape)
    group = key_codes.astype(np.int64) * 2 + tokens.attr_is_event
    group = group.astype(np.int16 if group.max() < 2**15 else np.int64)  # int16: numpy's stable sort is a radix sort
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    bounds = np.flatnonzero(np.diff(sorted_groups)) + 1
    key_names = keys.to_pylist()
    for begin, end in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [len(order)]))):
        rows = order[begin:end]
        g = int(sorted_groups[begin])
        key, on_event = key_names[g // 2], bool(g % 2)
        owners = tokens.attr_owner[rows]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = owners[1:] != owners[:-1]  # owners ascend within a group: repeats are adjacent
        rows, owners = rows[first], owners[first]
        name = key if on_event else f"case:{key}"
        if name in columns:  # an event attribute spelt "case:x" next to a trace attribute "x"
            name = f"{name} (event)"
        size = n_events if on_event else tokens.n_traces
        codes = np.full(size, -1, dtype=np.int64)
        codes[owners] = value_codes[rows]
        default = tokens.defaults.get((on_event, key))
        dictionary = values
        if default is not None and len(owners) < size:
            # Like every XES reader: a <global> value fills the attribute where its element lacks it.
            dictionary = _with_value(values, default[1])  # read by lxml (the header): already clean
            codes[codes < 0] = len(dictionary) - 1
        if not on_event:  # a trace attribute, repeated on each event of its trace
            inside = tokens.event_trace >= 0
            codes = np.where(inside, codes[np.maximum(tokens.event_trace, 0)], -1) if size else np.full(n_events, -1)
        columns[name] = _column(tokens.attr_type[rows], codes, dictionary, name, notes)
    return pd.DataFrame(columns, index=pd.RangeIndex(n_events))


def _encoded(values, stride: int, raw: bool, unescape: bool):
    """(distinct values as an Arrow array, code per attribute). Raw text (the fast reader's) is cleaned
    first, once per distinct value; values equal after cleaning share a code."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    encoded = pc.dictionary_encode(values)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)[::stride].astype(np.int64)
    dictionary = encoded.dictionary
    if not raw:  # lxml has already expanded entities and normalised whitespace
        return dictionary, codes
    pattern = "[\t\n\r&]" if unescape else "[\t\n\r]"
    dirty = pc.match_substring_regex(dictionary, pattern).to_numpy(zero_copy_only=False)
    if dirty.any():
        texts = dictionary.to_pylist()
        for i in np.flatnonzero(dirty):
            texts[i] = _clean(texts[i], unescape)
        unique = list(dict.fromkeys(texts))
        if len(unique) != len(texts):  # two spellings of one value ("a&amp;b", "a&#38;b"): one value
            position = {text: i for i, text in enumerate(unique)}
            remap = np.array([position[text] for text in texts] + [-1], dtype=np.int64)
            codes = remap[codes]
        dictionary = pa.array(unique, type=pa.large_string())
    return dictionary, codes


def _with_value(dictionary, text: str):
    import pyarrow as pa  # noqa: PLC0415

    return pa.concat_arrays([dictionary.cast(pa.large_string()), pa.array([text], type=pa.large_string())])


def _column(types: np.ndarray, codes: np.ndarray, dictionary, name: str, notes: list[Warning_]) -> pd.Series:
    """A typed column from codes into `dictionary` (-1: missing); only the used entries are parsed."""
    import pyarrow as pa  # noqa: PLC0415

    types = np.unique(types)
    kind = int(types[0]) if len(types) == 1 else (FLOAT if set(types.tolist()) <= {INT, FLOAT} else STRING)
    if len(types) > 1 and kind == STRING:
        notes.append(
            Warning_(
                "xes_mixed_types",
                f"attribute {name!r} has values of several XES types ({', '.join(TYPE_NAMES[int(t)] for t in types)}); read as text",
                int((codes >= 0).sum()),
            )
        )
    present = codes >= 0
    used = np.flatnonzero(np.bincount(codes[present], minlength=len(dictionary)))
    remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # the last slot maps code -1 to -1
    remap[used] = np.arange(len(used))
    local = remap[codes]
    texts = dictionary.take(pa.array(used))
    if kind in (STRING, ID):
        categories = pd.Index(texts.to_numpy(zero_copy_only=False), dtype="str")
        return pd.Series(pd.Categorical.from_codes(local, dtype=pd.CategoricalDtype(categories)))
    if kind in (INT, FLOAT):
        parsed, bad = _numbers(texts, kind)
    elif kind == BOOLEAN:
        parsed, bad = _booleans(texts)
    else:
        return _dates(texts, local)
    if bad.any():
        notes.append(
            Warning_(
                "xes_bad_value",
                f"values of {TYPE_NAMES[kind]} attribute {name!r} that are not {'true or false' if kind == BOOLEAN else 'numbers'} were left empty",
                int(bad[local[present]].sum()),
            )
        )
    return pd.Series(parsed.take(np.where(present, local, -1), allow_fill=True))


def _numbers(texts, kind: int):
    """Distinct texts → (nullable numbers, which did not parse)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    dtype = pd.Int64Dtype() if kind == INT else pd.Float64Dtype()
    try:
        numbers = pc.cast(texts, pa.int64() if kind == INT else pa.float64())
        return pd.array(numbers.to_numpy(zero_copy_only=False), dtype=dtype), np.zeros(len(texts), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = pd.to_numeric(pd.Series(texts.to_pylist(), dtype="object").str.strip(), errors="coerce")
        if kind == INT:
            parsed = parsed.where(parsed == parsed.round())
        return pd.array(parsed, dtype=dtype), parsed.isna().to_numpy()


def _booleans(texts):
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    folded = pc.utf8_lower(pc.utf8_trim_whitespace(texts))
    true = pc.is_in(folded, value_set=pa.array(["true", "1"], type=folded.type)).to_numpy(zero_copy_only=False)
    false = pc.is_in(folded, value_set=pa.array(["false", "0"], type=folded.type)).to_numpy(zero_copy_only=False)
    return pd.arrays.BooleanArray(true, ~(true | false)), ~(true | false)


def _dates(texts, local: np.ndarray) -> pd.Series:
    """All with an offset → tz-aware UTC; none → naive; a mix, or values Arrow's ISO 8601 parser
    rejects → the text, for core.normalise (which knows --timezone and names bad rows)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    for target in (pa.timestamp("us", tz="UTC"), pa.timestamp("us")):
        try:
            stamps = pc.cast(texts, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        values = stamps.cast(pa.int64()).to_numpy(zero_copy_only=False)
        placed = np.where(local >= 0, values[np.maximum(local, 0)] if len(values) else 0, np.iinfo(np.int64).min)
        series = pd.Series(placed.view("datetime64[us]"))
        return series.dt.tz_localize("UTC") if target.tz else series
    strings = pd.array(texts.to_numpy(zero_copy_only=False), dtype="string")
    return pd.Series(strings.take(local, allow_fill=True))


_BLANKS = re.compile(r"\r\n|[\t\n\r]")


def _clean(text: str | None, unescape: bool) -> str | None:
    """An attribute value as XML defines it: entity references expanded (the fast reader hands them
    over as written), tabs and line breaks turned into spaces (attribute-value normalisation)."""
    if text is None:
        return None
    if "\n" in text or "\t" in text or "\r" in text:  # literal ones only: &#10; stays a line break
        text = _BLANKS.sub(" ", text)
    return _unescape(text) if unescape else text


_ENTITY_TEXT = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(text: str | None) -> str | None:
    if text is None or "&" not in text:
        return text
    return re.sub(
        r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);",
        lambda m: _ENTITY_TEXT.get(m.group(1)) or chr(int(m.group(1)[2:], 16) if m.group(1).startswith("#x") else int(m.group(1)[1:])),
        text,
    )


# ----------------------------------------------------------------- the Rust parser (comparison only)


class _RustFailure(Exception):
    pass


_LOG_END = re.compile(rb"</(?:[\w.-]+:)?log>\s*(?:<!--.*?-->\s*)*\Z", re.DOTALL)
_TAIL_BYTES = 4096


def _read_rustxes(path: Path) -> pd.DataFrame:
    """rustxes, the Rust parser pm4py uses: no longer on cxmine's path (it holds the interpreter for
    the whole parse, so Ctrl-C waited for it; it crashes on deep nesting, ignores the declared
    encoding and DTD entities, and skips broken elements). Kept for the tests and benchmarks that
    compare against it."""
    import rustxes  # noqa: PLC0415

    try:
        with _quiet_stderr():
            frame, _meta = rustxes.import_xes(str(path))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # pyo3's PanicException derives from BaseException
        raise _RustFailure(str(exc)) from exc
    return frame.to_pandas() if frame.width else pd.DataFrame()


def _ends_with_log_tag(path: Path) -> bool:
    """Whether the document's last element is the closing </log> (so the file is not truncated)."""
    try:
        data = _read_bytes(path)
    except InputError:
        return False
    return _LOG_END.search(data[-_TAIL_BYTES:]) is not None


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """A Rust panic writes its message and backtrace straight to file descriptor 2: keep it off the
    user's terminal."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with tempfile.TemporaryFile() as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
