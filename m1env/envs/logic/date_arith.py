"""Date and time arithmetic on the proleptic Gregorian calendar.

Question kinds, unlocked by difficulty: ``add_days`` (the date N days after/before a
date), ``between`` (days from one date to another), ``weekday`` (the weekday N days
after a date whose weekday is given), ``add_time`` (a date-time plus hours and
minutes), ``combined`` (weeks, days, hours and minutes at once). Difficulty also
widens the offsets (leap years and month ends come in naturally). Every answer is
computed with :mod:`datetime`, so it is exact and unique.

Answer formats (stated in each question): a date as ``YYYY-MM-DD`` (also accepted:
``/`` or ``.`` separators, no zero padding, ``March 5, 2024``, ``5 March 2024``); a
date-time as ``YYYY-MM-DD HH:MM`` (``T`` separator and ``:00`` seconds accepted); a
number of days as an integer (``days`` suffix allowed); a weekday by name or its
three-letter abbreviation. The checker parses the answer as that kind and compares
values, not strings.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any, Self

from m1env.envs.logic.base import Family, FamilyConfig, Puzzle, register_family
from m1env.sources import check_difficulty
from m1env.verifiers import Score

__all__ = ["KINDS", "DateArith", "DateArithConfig", "parse_date", "parse_datetime"]

KINDS = ("add_days", "between", "weekday", "add_time", "combined")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_ISO = re.compile(r"^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})$")
_MDY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$", re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$", re.IGNORECASE)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(00))?$")
_DAYS = re.compile(r"^([+-]?\d{1,9})(?:\s*days?)?$", re.IGNORECASE)


@dataclass(frozen=True)
class DateArithConfig(FamilyConfig):
    kinds: tuple[str, ...] = KINDS[:4]
    max_days: int = 400

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", tuple(self.kinds))
        if not self.kinds or any(k not in KINDS for k in self.kinds):
            raise ValueError(f"kinds must be a non-empty subset of {KINDS}, got {self.kinds}")
        if not 1 <= self.max_days <= 100_000:
            raise ValueError(f"max_days must be in [1, 100000], got {self.max_days}")

    @classmethod
    def for_difficulty(cls, difficulty: int) -> Self:
        d = check_difficulty(difficulty)
        return cls(kinds=KINDS[: min(1 + (d + 1) // 2, 5)], max_days=30 * d * d)


def _month(name: str) -> int:
    name = name.lower()
    for i, month in enumerate(MONTHS, start=1):
        if name == month or (len(name) >= 3 and month.startswith(name)):
            return i
    raise ValueError(f"{name!r} is not a month")


def parse_date(text: str) -> dt.date:
    """A date in one of the accepted formats; raises ValueError with the reason."""
    text = text.strip().rstrip(".")
    if m := _ISO.match(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _MDY.match(text):
        y, mo, d = int(m.group(3)), _month(m.group(1)), int(m.group(2))
    elif m := _DMY.match(text):
        y, mo, d = int(m.group(3)), _month(m.group(2)), int(m.group(1))
    else:
        raise ValueError(f"{text[:40]!r} is not a date like YYYY-MM-DD")
    try:
        return dt.date(y, mo, d)
    except ValueError as exc:
        raise ValueError(f"{text[:40]!r} is not a valid date: {exc}") from None


def parse_datetime(text: str) -> dt.datetime:
    """A date-time ``YYYY-MM-DD HH:MM``; raises ValueError with the reason."""
    text = text.strip().rstrip(".")
    date_part, sep, time_part = re.sub(r"(?<=\d)T(?=\d)", " ", text).rpartition(" ")
    m = _TIME.match(time_part)
    if not sep or not m:
        raise ValueError(f"{text[:40]!r} is not a date-time like YYYY-MM-DD HH:MM")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{time_part!r} is not a valid time")
    return dt.datetime.combine(parse_date(date_part), dt.time(hour, minute))


def _fmt_date(d: dt.date) -> str:
    return d.isoformat()


def _fmt_dt(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


class DateArith(Family):
    name = "date_arith"
    title = "DateArith"
    description = "date and time arithmetic: offsets, differences, weekdays"
    config_cls = DateArithConfig

    def generate(self, rng: random.Random, config: DateArithConfig) -> Puzzle:
        kind = rng.choice(config.kinds)
        start = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(365 * 60))
        days = rng.randint(1, config.max_days)
        date_fmt = "Answer with the date as YYYY-MM-DD."
        ref: dict[str, Any]
        if kind == "add_days":
            back = rng.random() < 0.3
            result = start + dt.timedelta(days=-days if back else days)
            q = f"What date is {_plural(days, 'day')} {'before' if back else 'after'} {_fmt_date(start)}? {date_fmt}"
            ref = {"kind": "date", "answer": _fmt_date(result)}
        elif kind == "between":
            end = start + dt.timedelta(days=days * rng.choice([1, -1]))
            q = (
                f"How many days are there from {_fmt_date(start)} to {_fmt_date(end)}? "
                "Count the later date but not the earlier one; answer a negative number if "
                "the second date is earlier. Answer with an integer."
            )
            ref = {"kind": "days", "answer": (end - start).days}
        elif kind == "weekday":
            result = start + dt.timedelta(days=days)
            q = (
                f"{_fmt_date(start)} is a {WEEKDAYS[start.weekday()]}. What day of the week is "
                f"{_plural(days, 'day')} later? Answer with the weekday's name."
            )
            ref = {"kind": "weekday", "answer": WEEKDAYS[result.weekday()]}
        else:
            moment = dt.datetime.combine(start, dt.time(rng.randrange(24), rng.randrange(60)))
            hours, minutes = rng.randint(1, 24 * max(1, config.max_days // 10)), rng.randrange(60)
            parts = [_plural(hours, "hour"), _plural(minutes, "minute")]
            delta = dt.timedelta(hours=hours, minutes=minutes)
            if kind == "combined":
                weeks, extra = rng.randint(1, max(1, config.max_days // 7)), rng.randint(1, 6)
                parts = [_plural(weeks, "week"), _plural(extra, "day"), *parts]
                delta += dt.timedelta(weeks=weeks, days=extra)
            text = ", ".join(parts[:-1]) + f" and {parts[-1]}"
            q = (
                f"What date and time is {text} after {_fmt_dt(moment)}? Answer as "
                "YYYY-MM-DD HH:MM (24-hour clock)."
            )
            ref = {"kind": "datetime", "answer": _fmt_dt(moment + delta)}
        return Puzzle(
            question=q,
            reference=ref,
            answer=str(ref["answer"]),
            explanation="Counting through the calendar, month lengths and leap years included.",
            metadata={"kind": kind},
        )

    def check(self, answer: str, reference: Any) -> Score:
        kind, expected = reference["kind"], reference["answer"]
        try:
            if kind == "date":
                got: Any = parse_date(answer)
                want: Any = dt.date.fromisoformat(expected)
            elif kind == "datetime":
                got, want = parse_datetime(answer), dt.datetime.fromisoformat(expected)
            elif kind == "days":
                m = _DAYS.match(answer.strip().rstrip("."))
                if not m:
                    raise ValueError(f"{answer[:40]!r} is not a whole number of days")
                got, want = int(m.group(1)), int(expected)
            else:
                name = answer.strip().rstrip(".").lower()
                matches = [w for w in WEEKDAYS if name in (w.lower(), w[:3].lower())]
                if not matches:
                    raise ValueError(f"{answer[:40]!r} is not a weekday")
                got, want = matches[0], expected
        except ValueError as exc:
            return Score.incorrect(f"cannot read the answer: {exc}")
        if got != want:
            shown = got.isoformat(sep=" ") if isinstance(got, dt.datetime) else got
            return Score.incorrect(f"{shown} is not the right {kind.replace('days', 'day count')}")
        return Score.correct()


SPEC, verifier = register_family(DateArith)
