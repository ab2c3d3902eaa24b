"""The friction `Stage` from what an engine computed (cxmine.engines.friction.Tables): the same candidate
builders, outcomes and notes as the pandas engine's detection (friction.prepare.detect), on per-case and
per-occurrence tables instead of the event table. Which kinds that covers is `ENGINE_KINDS`; `unsupported`
says what a configuration needs beyond them, so the engine refuses it rather than rank without a kind."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from cxmine.core import schema
from cxmine.model import Warning_

ENGINE_KINDS = ("wait", "hidden_wait", "slow_step", "rework", "ping_pong", "handback", "chasing", "outbound_contact", "broken_promise", "complaint_hotspot", "repeat_contact")


def unsupported(config, *, team_is_text: bool, customer_carried: bool, unread: tuple[str, ...] = ()) -> list[str]:
    """What this configuration and log need that the other engines do not compute yet (empty: nothing).
    `team_is_text`: the [log] team column is carried as text (hand-backs between teams are computed from it);
    `customer_carried`: the [log] customer column is carried (repeat contacts are computed from it); `unread`:
    the attributes of attribute outcomes that the events do not carry."""
    missing = []
    if config.team and not team_is_text:
        missing.append("hand-backs between teams ([log] team) unless it is a text column")
    if config.customer and not customer_carried:
        missing.append("repeat contacts ([log] customer) from a column that is not numbers or text")
    if config.complaints is not None and config.complaints.path is None:
        missing.append("complaints read from the events ([complaints] activity_pattern or attribute)")
    if config.model.configured:
        missing.append("deviations from a [model]")
    if unread:
        missing.append(f"[[outcomes]] from an attribute that is not a column of numbers or text ({', '.join(unread)})")
    return missing


def _touchpoints(names: list[str], config, notes: list[Warning_]):
    """The touchpoint masks over one event per activity: the same names and notes as the pandas engine's."""
    from cxmine.core.touchpoints import touchpoint_masks  # noqa: PLC0415
    from cxmine.friction.prepare import unknown_names  # noqa: PLC0415

    one_each = pd.DataFrame({
        schema.CASE: pd.Categorical.from_codes(np.zeros(len(names), dtype=np.int64), ["0"]),
        schema.ACTIVITY: pd.Categorical(names, categories=names),
    })  # fmt: skip
    masks = touchpoint_masks(one_each, config.touchpoints, notes)
    if not masks.configured:
        notes.append(Warning_("no_touchpoints", "no touchpoints configured: every activity counts as customer-facing (run 'cxmine init' to write a config)"))
    return masks, lambda: notes.extend(unknown_names(one_each, config))  # said after the complaints' notes, as pandas says them


def _complaints(tables, complaints: pd.DataFrame | None, notes: list[Warning_]) -> dict[str, Any]:
    """The complaints matched to cases and placed (friction.prepare's match_complaints and place_complaints,
    on what the engine brought back for the complaints' cases): the Stage's complaint fields."""
    from cxmine.friction.prepare import LOCATED_COLUMNS, complaint_overlay, match_complaints, place_complaints  # noqa: PLC0415

    complained = np.zeros(tables.n_cases, dtype=bool)
    found: dict[str, Any] = {"located": pd.DataFrame(columns=LOCATED_COLUMNS), "unmatched": 0, "overlay": {}, "complained": complained,
                             "complaints_total": len(complaints) if complaints is not None else 0}  # fmt: skip
    if complaints is not None and tables.named is not None:
        codes, by_customer, steps, passing = tables.named
        frame, found["unmatched"] = match_complaints(complaints, codes, by_customer, notes)
        steps = steps.assign(time=steps["time"].astype(frame["timestamp"].dtype)) if len(frame) else steps
        found["located"] = place_complaints(frame, steps[["case", "time", "activity"]], steps["tp"].to_numpy(dtype=bool))
        complained[found["located"]["case"].to_numpy(dtype=int)] = True
        found["overlay"] = complaint_overlay(found["located"], tables.gaps, passing)
    found["have_complaints"] = complaints is not None and bool(complained.any())
    return found


def _outcomes(tables, config, scores: dict[str, pd.DataFrame], notes: list[Warning_]) -> list:
    from cxmine.core.outcomes import CaseOutcome, match_scores, survey_outcome  # noqa: PLC0415
    from cxmine.matching import matches  # noqa: PLC0415

    found = []
    codes, by_customer = tables.named[:2] if tables.named is not None else (pd.Series(dtype="int64"), None)
    joined = {name: match_scores(table, lambda ids: codes.reindex(pd.Index(ids, dtype=object)).fillna(-1).to_numpy(), (lambda: by_customer) if by_customer is not None else None, notes, name)
              for name, table in scores.items()}  # fmt: skip
    for outcome in config.outcomes:
        if outcome.source not in ("ends_with", "reaches", "attribute"):
            found.append(survey_outcome(outcome, joined.get(outcome.name), tables.n_cases, tables.activities, notes))
            continue
        at = tables.outcome_times[outcome.name]
        found.append(CaseOutcome(outcome.name, outcome.said, ~np.isnan(at), at, float(outcome.weight), frozenset(matches(tables.activities, list(outcome.activities)))))
    return found


def _case_attributes(tables) -> pd.DataFrame:
    """The drivers' case attributes (friction.prepare.case_attributes' rules) from the engine's per-case values:
    text with 2–30 values as categories, then numbers and text spelling more than 30 numbers as bands."""
    from cxmine.friction.prepare import per_case_attribute, spells_numbers  # noqa: PLC0415

    chosen, numeric = [], []
    for name, categories, integer, first in tables.case_attributes:
        if categories is None:
            numeric.append((name, None, integer, first, True))
        elif 2 <= len(categories) <= 30:
            chosen.append((name, pd.Index(categories, dtype="str"), False, first, False))
        elif len(categories) > 30 and spells_numbers(pd.Index(categories, dtype="str")):
            numeric.append((name, pd.Index(categories, dtype="str"), False, first, True))
    out = pd.DataFrame(index=range(tables.n_cases))
    for name, categories, integer, first, banded in chosen + numeric:
        out[name] = per_case_attribute(categories, integer, first, banded=banded)
    return out


def stage(tables: Any, config, load, complaints: pd.DataFrame | None = None, scores: dict[str, pd.DataFrame] | None = None) -> Any:
    """The `Stage` that friction.engine.rank scores, from the engine's tables (and the complaints, read as the
    pandas engine reads them, when the config has a complaints file)."""
    from cxmine.core.outcomes import complaint_outcome  # noqa: PLC0415
    from cxmine.friction import signals  # noqa: PLC0415
    from cxmine.friction.drill import OpenState  # noqa: PLC0415
    from cxmine.friction.kinds import get  # noqa: PLC0415
    from cxmine.friction.prepare import Stage  # noqa: PLC0415
    from cxmine.matching import matches  # noqa: PLC0415

    notes: list[Warning_] = []
    masks, say_unknown = _touchpoints(tables.activities, config, notes)
    told = _complaints(tables, complaints, notes)
    say_unknown()
    settings = config.friction
    context = SimpleNamespace(
        n_cases=tables.n_cases, gaps=tables.gaps, customer_initiated=masks.customer_initiated,
        pauses=frozenset(matches(tables.activities, config.journey.pauses)), wait_factor=settings.wait_factor, min_wait_seconds=settings.min_wait_seconds,
        window_start=tables.window_start, window_end=tables.window_end, contact_seconds=60.0 * settings.contact_minutes,
        touchpoints_configured=masks.configured, located_complaints=told["located"] if told["have_complaints"] else None,
    )
    candidates = []
    detectors = (("wait", signals.customer_waits), ("hidden_wait", lambda ctx: signals.hidden_waits_from(tables.moves, tables.names, ctx) if tables.moves is not None else []),
                 ("slow_step", lambda ctx: signals.slow_steps_from(tables.services, tables.names, ctx) if tables.services is not None else []),
                 ("rework", lambda ctx: signals.rework_from(*tables.rework, tables.names, ctx)),
                 ("ping_pong", lambda ctx: signals.ping_pong_from(tables.returns, tables.names, ctx)),
                 ("handback", lambda ctx: signals.handbacks_from(*tables.backs, ctx) if tables.backs is not None else []),
                 ("chasing", lambda ctx: signals.contacts_from(*tables.chasing, tables.names, ctx, "chasing")),
                 ("outbound_contact", lambda ctx: signals.contacts_from(*tables.outbound, tables.names, ctx, "outbound_contact") if tables.outbound is not None else []),
                 ("broken_promise", lambda ctx: signals.broken_promises_from(*tables.promises, config.promises, ctx) if tables.promises is not None else []),
                 ("complaint_hotspot", signals.complaint_hotspots),
                 ("repeat_contact", lambda ctx: signals.repeat_contacts_from(*tables.repeats, ctx) if tables.repeats is not None else []))
    for kind, detector in detectors:
        for candidate in detector(context):
            if candidate.n_affected:
                candidate.label = get(kind).render_label(candidate.activity, candidate.from_activity, candidate.to_activity, candidate.details)
                candidates.append(candidate)
    outcomes = ([complaint_outcome(told["located"], tables.n_cases)] if told["have_complaints"] else []) + _outcomes(tables, config, scores or {}, notes)
    return Stage(
        log=load, journey=SimpleNamespace(n_cases=tables.n_cases, gaps=tables.gaps, customer_initiated=masks.customer_initiated), candidates=candidates,
        touchpoint_names=masks.names, configured=masks.configured, notes=notes, outcomes=outcomes, lead_seconds=tables.lead_seconds, **told,
        attributes=_case_attributes(tables), n_events=tables.n_events, basis=tables.basis, case_rows=tables.case_rows,
        open_state=None if tables.open_state is None else OpenState(*tables.open_state),
    )
