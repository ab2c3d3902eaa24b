"""The one matcher for activity names and patterns, used by touchpoints, promises, complaints'
`activity_pattern`, outcomes and `[model]`.

A pattern is first taken literally: when some name equals it, it means exactly that name. Only a
pattern that names nothing is read as a glob (fnmatch, case-sensitive: `*`, `?`, `[abc]`). So the
touchpoint "Ship [express]" means the activity "Ship [express]" when the log has one, and never the
activity "Ship e" that the glob reading would pick.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

GLOB_CHARACTERS = frozenset("*?[")


def pattern_matches(names: Iterable[str], pattern: str) -> set[str]:
    """The names one pattern means: itself when it is a name, else the names its glob matches."""
    names = names if isinstance(names, (set, frozenset)) else list(names)
    if pattern in names:
        return {pattern}
    if not GLOB_CHARACTERS.intersection(pattern):
        return set()
    return {name for name in names if fnmatchcase(name, pattern)}


def matches(names: Iterable[str], patterns: Sequence[str]) -> set[str]:
    """The names meant by any of the patterns (see the module docstring)."""
    pool = set(names)
    found: set[str] = set()
    for pattern in patterns:
        found |= pattern_matches(pool, pattern)
    return found


def unmatched_patterns(names: Iterable[str], patterns: Sequence[str]) -> tuple[str, ...]:
    """The patterns (in the given order) that mean no name, so callers can warn about typos."""
    pool = set(names)
    return tuple(pattern for pattern in patterns if not pattern_matches(pool, pattern))


def lookup(mapping: Mapping[str, str], name: str) -> str | None:
    """The value for `name` in a pattern → value mapping: its exact entry first, then the first glob
    entry that matches it."""
    if name in mapping:
        return mapping[name]
    for pattern, value in mapping.items():
        if GLOB_CHARACTERS.intersection(pattern) and fnmatchcase(name, pattern):
            return value
    return None


def closest(name: str, names: Iterable[str]) -> str | None:
    """The existing name closest to a misspelt one (for "did you mean …?"), or None."""
    pool = [str(n) for n in names]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        folded = {n.casefold(): n for n in pool}
        close = [folded[c] for c in difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)]
    return close[0] if close else None
