"""Names from the data are data, not markup: escaping for every text output.

An activity, attribute value, complaint tag or file name can hold anything the source system let someone
type: `<img onerror=…>`, a `|` or a line break that splits a Markdown table, `=HYPERLINK(…)` that a
spreadsheet runs, `[red]` that rich reads as a style, an escape sequence that a terminal obeys. Each
output format gets one helper here, and the renderers pass every value from the data through it:

- `md` — inline Markdown text (HTML tags, entities, links/images, emphasis, code, table pipes, line
  breaks). Ordinary names come out unchanged: only what would be read as markup is touched.
- `md_cell` / `Markdown` — a table cell; `markdown.table` escapes every cell unless it is `Markdown`,
  text the renderer composed itself (e.g. a bold rank) from already-escaped parts.
- `md_code` — a code span (a file name in a heading).
- `csv_cell`, `csv_safe_series` — OWASP formula-injection neutralisation for CSV meant for spreadsheets;
  a plain number such as `-3.5` stays a number.
- `terminal` — a value shown in a rich table: no markup, no control characters.

No third-party imports at module level (the readers' writers use it too).
"""
from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"

# CommonMark ends a line at LF, CR or CRLF; Unicode and old terminals know a few more. All become a space.
_LINE_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Other C0/C1 control characters (tab aside) mean nothing on a page and may steer a terminal.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")

# A backslash that would escape the next character (or end the text): doubled, so it stays a backslash.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")
# `<` opening a tag, comment, declaration or autolink; `&` opening an entity reference.
_HTML_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Inline markup: code, emphasis, strikethrough, links and images, table pipes. `_` only where it could
# open or close emphasis (CommonMark ignores it inside a word: `A_SUBMITTED` stays as it is).
_INLINE = re.compile(r"[`*~\[\]|]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# What makes a line a heading, quote, list item, rule or setext underline, at the start of a line.
_BLOCK_START = re.compile(r"^(?:[#>+=-]|(\d{1,9})[.)](?=[ \t]|$))")


class Markdown(str):
    """Text that is already Markdown (composed by a renderer from escaped parts): table cells keep it."""

    __slots__ = ()


def plain(value: object) -> str:
    """One line of text: line breaks become spaces, other control characters U+FFFD, tabs spaces."""
    text = "" if value is None else str(value)
    text = _LINE_BREAKS.sub(" ", text)
    return _CONTROL.sub(REPLACEMENT, text).replace("\t", " ")


def md(value: object, *, line_start: bool = False) -> str:
    """`value` as inline Markdown text that renders as exactly that text and nothing else.

    `line_start`: the text begins a line (a paragraph of its own), so a leading `#`, `>`, `-`, `+`, `=`
    or `1.` would make it a heading, quote or list: escape that too.
    """
    text = plain(value)
    text = _BACKSLASH.sub(r"\\\\", text)
    text = _ENTITY.sub("&amp;", text)
    text = _HTML_OPEN.sub("&lt;", text)
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    if line_start:
        text = text.lstrip(" ")
        text = _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(0)[-1]}" if m.group(1) else "\\" + m.group(0), text)
    return text


def md_cell(value: object) -> str:
    """A Markdown table cell: `md` for data; `Markdown` text keeps its markup but cannot break the row."""
    if isinstance(value, Markdown):
        return re.sub(r"(?<!\\)\|", r"\\|", plain(value))
    return md(value)


def md_code(value: object) -> str:
    """`value` as a code span: a fence longer than any run of backticks inside, one line."""
    text = plain(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ") and text.strip()) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# ---------------------------------------------------------------------------------------------------------------
# CSV for spreadsheets (OWASP "CSV injection"): a cell starting with one of these is read as a formula.

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_FORMULA_PATTERN = "[" + re.escape("".join(FORMULA_START)) + "]"


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading `'`; numbers and plain
    numeric text (`-3.5`, `+31`) stay as they are, and so does everything that is not text."""
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(" ")
    if stripped[:1] in FORMULA_START and not PLAIN_NUMBER.fullmatch(stripped):
        return "'" + value
    return value


def csv_safe_series(values):
    """`csv_cell` for a whole pandas Series of text (vectorised); other dtypes are returned unchanged."""
    import pandas as pd  # noqa: PLC0415

    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories
        if not (pd.api.types.is_object_dtype(categories.dtype) or pd.api.types.is_string_dtype(categories.dtype)):
            return values
        mapping = {c: csv_cell(c) for c in categories}
        if all(mapping[c] == c for c in categories):
            return values
        return values.astype(object).map(mapping, na_action="ignore")
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
        return values
    text = values.astype("string")
    stripped = text.str.lstrip(" ")
    risky = stripped.str.match(_FORMULA_PATTERN).fillna(False) & ~stripped.str.fullmatch(PLAIN_NUMBER.pattern).fillna(False)
    if not bool(risky.any()):
        return values
    return values.astype(object).where(~risky.to_numpy(), "'" + text.astype(object))


# ---------------------------------------------------------------------------------------------------------------
# Terminal (rich tables)

_RICH_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def terminal(value: object) -> str:
    """A value for a rich table or `console.print`: one line, no control characters (an escape sequence
    in a name would steer the terminal) and no rich markup (`[red]`, `[link=…]` would be obeyed)."""
    return _RICH_TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", plain(value))


__all__ = ["REPLACEMENT", "Markdown", "csv_cell", "csv_safe_series", "md", "md_cell", "md_code", "plain", "terminal"]
