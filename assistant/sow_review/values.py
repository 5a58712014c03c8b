"""Values with units in contract text: "ninety (90) days", "15%", "two times (2x)", "$1.2M", "after month 12".

Numbers may be written in digits or words; a figure in brackets after the words ("ninety (90)") is the
one read. Units are normalised (business and calendar days are days, "per cent" is percent) and
converted only when a topic asks for them in another unit (`in_unit`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Value", "extract_values", "in_unit", "parse_number_words"]

_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "a": 1,
    "an": 1,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}
_WORD = r"(?:" + "|".join(sorted([*_ONES, *_TENS, *_SCALES, "half"], key=len, reverse=True)) + r")"
_WORDS = rf"\b{_WORD}(?:(?:[\s-]+|\s+and\s+|\s+and\s+a\s+){_WORD})*\b"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = rf"(?P<num>{_DIGITS}|{_WORDS})"
_PAREN = r"(?:\s*\(\s*(?P<paren>\d+(?:\.\d+)?)\s*(?:%|x|×|percent)?\s*\))?"
_UNIT = (
    r"[\s-]*(?P<unit>%|per\s?cent\b|percentage\s+points?\b|x\b|×|times\b|"
    r"(?:(?:business|calendar|working|banking)[\s-]+)?(?:days?|hours?|weeks?|months?|years?)\b)"
)
_MEASURE = re.compile(rf"(?<![\w.$]){_NUMBER}{_PAREN}{_UNIT}{_PAREN.replace('paren', 'paren2')}", re.I)
_MONTH_N = re.compile(rf"\bmonth\s+(?P<num>\d+|{_WORDS})\b", re.I)
_NET = re.compile(r"\bnet[\s-]+(?P<num>\d+)\b", re.I)
_AMOUNT = re.compile(
    r"(?:(?P<cur>\$|USD\s?|US\$\s?)(?P<amt>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>k|mm|m|million|thousand|bn|billion)?\b"
    r"|(?P<amt2>\d[\d,]*(?:\.\d+)?)\s*(?P<scale2>million|thousand|billion)?\s*(?:US\s)?dollars\b)",
    re.I,
)
_AMOUNT_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_FEES_AFTER = re.compile(r"^[^.;]{0,40}?\bfees?\b", re.I)
_FEES_BEFORE = re.compile(r"\bfees?\b[^.;]{0,40}$", re.I)

# Conversions into the unit a topic is judged in: (found unit, wanted unit) -> factor.
_CONVERSIONS = {
    ("years", "months"): 12.0,
    ("weeks", "days"): 7.0,
    ("months", "days"): 30.0,
    ("days", "hours"): 24.0,
}


@dataclass(frozen=True)
class Value:
    """A number with its unit, where it stands in the text it was read from."""

    value: float
    unit: str  # days, hours, weeks, months, years, percent, multiple, amount
    text: str
    start: int
    end: int


def parse_number_words(text: str) -> float | None:
    """ "one hundred twenty" -> 120, "twenty-four" -> 24, "one and a half" -> 1.5; None if not a number."""
    total, current, seen = 0.0, 0.0, False
    text = re.sub(r"\band\s+a\s+half\b", "half", text.lower())
    for word in re.split(r"[\s-]+", text.strip()):
        if word in ("and", ""):
            continue
        if word == "half":
            current += 0.5
            seen = True
        elif word in _ONES:
            current += _ONES[word]
            seen = True
        elif word in _TENS:
            current += _TENS[word]
            seen = True
        elif word in _SCALES:
            current = (current or 1) * _SCALES[word]
            if _SCALES[word] >= 1000:
                total, current = total + current, 0.0
            seen = True
        else:
            return None
    return total + current if seen else None


def extract_values(text: str) -> list[Value]:
    """Every value with a unit in `text`, in reading order, each figure once."""
    found: list[Value] = []
    for m in _MEASURE.finditer(text):
        number = _number(m.group("paren2") or m.group("paren") or m.group("num"))
        unit = _unit(m.group("unit"))
        if number is None or unit is None or (m.group("num").lower() in ("a", "an") and unit == "multiple"):
            continue
        found.append(Value(number, unit, m.group(0).strip(), m.start(), m.end()))
        if unit == "months" and (
            _FEES_AFTER.search(text[m.end() :]) or _FEES_BEFORE.search(text[: m.start()])
        ):
            # "fees paid in the twelve (12) months before the claim" is a cap of one year's fees.
            found.append(Value(round(number / 12, 4), "multiple", m.group(0).strip(), m.start(), m.end()))
    for m in _MONTH_N.finditer(text):
        number = _number(m.group("num"))
        if number is not None:
            found.append(Value(number, "months", m.group(0), m.start(), m.end()))
    for m in _NET.finditer(text):
        found.append(Value(float(m.group("num")), "days", m.group(0), m.start(), m.end()))
    for m in _AMOUNT.finditer(text):
        raw = m.group("amt") or m.group("amt2")
        scale = (m.group("scale") or m.group("scale2") or "").lower()
        try:
            amount = float(raw.replace(",", "").rstrip(".")) * _AMOUNT_SCALES.get(scale, 1.0)
        except ValueError:
            continue
        found.append(Value(amount, "amount", m.group(0).strip(), m.start(), m.end()))
    return _once(sorted(found, key=lambda v: (v.start, v.end)))


def in_unit(value: Value, unit: str) -> float | None:
    """The value expressed in `unit`, or None when it is not a quantity of that kind."""
    if value.unit == unit:
        return value.value
    factor = _CONVERSIONS.get((value.unit, unit))
    return value.value * factor if factor else None


def _number(raw: str | None) -> float | None:
    if not raw:
        return None
    if raw[0].isdigit():
        try:
            return float(raw.replace(",", ""))
        except ValueError:
            return None
    return parse_number_words(raw)


def _unit(raw: str) -> str | None:
    word = raw.lower().strip()
    if word == "%" or word.startswith(("per", "percentage")):
        return "percent"
    if word in ("x", "×", "times"):
        return "multiple"
    for unit in ("day", "hour", "week", "month", "year"):
        if word.endswith((unit, unit + "s")):
            return unit + "s"
    return None


def _once(values: list[Value]) -> list[Value]:
    """Drop repeats of the same figure written twice in a row ("fifteen percent (15%)")."""
    out: list[Value] = []
    for v in values:
        if any(
            p.unit == v.unit and p.value == v.value and v.start <= p.end + 4 and v.end >= p.start - 4
            for p in out[-3:]
        ):
            continue
        out.append(v)
    return out
