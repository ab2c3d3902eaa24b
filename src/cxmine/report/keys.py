"""Match keys of friction points (defined with the registry in cxmine.friction.keys); re-exported here for
the report's comparison."""
from __future__ import annotations

from cxmine.friction.keys import MatchKey, candidate_key, dict_key, match_key, point_key

__all__ = ["MatchKey", "candidate_key", "dict_key", "match_key", "point_key"]
