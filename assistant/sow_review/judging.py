"""The deterministic verdict on one topic: GREEN, YELLOW, RED or missing, with a one-line reason.

Wherever the playbook gives numbers a rule decides; no model is asked. Order of the rules: missing,
red-flag words, a required mention absent, no numbers to judge by (a person reads it), no value of the
topic's unit in the clause, then the escalation triggers, the standard and the acceptable range.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assistant.sow_review.finding import Location
from assistant.sow_review.playbook import Topic, show
from assistant.sow_review.values import Value, in_unit

__all__ = ["Colour", "Verdict", "judge", "judged_value"]

_NEAR_CHARS = 60


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    MISSING = "missing"


@dataclass(frozen=True)
class Verdict:
    status: Colour
    reason: str
    value: float | None = None  # the figure judged, in the topic's unit


def judge(topic: Topic, location: Location | None) -> Verdict:
    """The status of `topic` given where (and whether) its clause was found."""
    if location is None:
        if topic.required:
            return Verdict(
                Colour.RED, f"Required clause missing: the draft has no {topic.title.lower()} clause."
            )
        return Verdict(Colour.MISSING, f"Not found: the draft has no {topic.title.lower()} clause.")
    text = location.quote.lower()
    flagged = [f for f in topic.red_flags if f.lower() in text]
    if flagged:
        return Verdict(Colour.RED, f'The clause says "{flagged[0]}", which the playbook does not accept.')
    if topic.must_mention and not any(m.lower() in text for m in topic.must_mention):
        wanted = " or ".join(f'"{m}"' for m in topic.must_mention)
        return Verdict(Colour.RED, f"The clause does not say {wanted}.")
    if not topic.numeric or topic.measure is None:
        return Verdict(
            Colour.YELLOW, "Found; the playbook gives no numbers for this topic, so a person reads it."
        )
    value = judged_value(topic, location.quote, location.values)
    if value is None:
        return Verdict(Colour.YELLOW, f"Found, but no value in {topic.measure} to check: a person reads it.")
    return Verdict(*_by_numbers(topic, value), value=value)


def judged_value(topic: Topic, quote: str, values: list[Value]) -> float | None:
    """The value of the topic's unit that the topic's cue words point at (else the first one)."""
    unit = topic.measure
    if unit is None:
        return None
    candidates = [(v, in_unit(v, unit)) for v in values]
    usable = [(v, n) for v, n in candidates if n is not None]
    if not usable:
        return None
    lowered = quote.lower()
    cue_positions = [i for cue in topic.cues for i in _positions(lowered, cue.lower())]
    if cue_positions:
        v, n = min(usable, key=lambda item: min(_distance(item[0], p) for p in cue_positions))
        if min(_distance(v, p) for p in cue_positions) <= _NEAR_CHARS:
            return n
    return usable[0][1]


def _by_numbers(topic: Topic, value: float) -> tuple[Colour, str]:
    shown = show(value, topic.measure)
    unit = topic.measure
    if topic.escalate_above is not None and value > topic.escalate_above:
        return Colour.RED, f"{shown} is above the escalation trigger of {show(topic.escalate_above, unit)}."
    if topic.escalate_below is not None and value < topic.escalate_below:
        return Colour.RED, f"{shown} is below the escalation trigger of {show(topic.escalate_below, unit)}."
    if isinstance(topic.standard, int | float) and abs(value - topic.standard) <= 1e-9 * max(1, value):
        return Colour.GREEN, f"{shown} is the playbook standard."
    if topic.acceptable is not None:
        low, high = topic.acceptable
        if low <= value <= high:
            return Colour.YELLOW, f"{shown} is inside the acceptable range but not the standard."
        span = f"{show(low, unit)} to {show(high, unit)}"
        return Colour.RED, f"{shown} is outside the acceptable range of {span}."
    standard = show(topic.standard, unit)
    return Colour.RED, f"{shown} differs from the playbook standard of {standard}."


def _positions(text: str, cue: str) -> list[int]:
    out, start = [], text.find(cue)
    while start >= 0 and cue:
        out.append(start)
        start = text.find(cue, start + 1)
    return out


def _distance(value: Value, position: int) -> int:
    if value.start <= position <= value.end:
        return 0
    return min(abs(value.start - position), abs(value.end - position))
