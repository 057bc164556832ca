"""When a schedule runs: daily, weekly or monthly at an hour, or a cron expression.

A :class:`Cadence` is validated when it is saved and answers one question,
:meth:`Cadence.next_after`: the first run time strictly after a moment. Times
are the server's local clock (``tz``, default the machine's zone); moments in
and out are timezone-aware. Cron expressions are the five classic fields
``minute hour day-of-month month day-of-week`` with ``*``, lists (``1,15``),
ranges (``1-5``), steps (``*/15``, ``8-18/2``), month and day names
(``jan``, ``mon``) and the shortcuts ``@hourly``, ``@daily``, ``@weekly``,
``@monthly``, ``@yearly``. As in cron, when both day fields are restricted a
day matching either one runs. No library is needed for this.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The longest a search for the next run looks ahead (a 29 February runs once in 4 years).
HORIZON_DAYS = 4 * 366 + 1
SHORTCUTS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
#: Field name, lowest and highest value, names.
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)


class CronError(ValueError):
    """A cron expression that cannot be read (the message says which field and why)."""


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the allowed values of each field."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Read ``text``; a :class:`CronError` naming the bad field."""
        expression = SHORTCUTS.get(text.strip().lower(), text.strip())
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(
                f"a cron expression has 5 fields (minute hour day month weekday), not {len(parts)}"
            )
        values = [_field(part, *spec) for part, spec in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in values[4])
        cron = cls(
            tuple(sorted(values[0])),
            tuple(sorted(values[1])),
            frozenset(values[2]),
            frozenset(values[3]),
            weekdays,
            parts[2] == "*",
            parts[4] == "*",
        )
        if not any(cron.runs_on(day) for day in _days(dt.date(2024, 1, 1), HORIZON_DAYS)):
            raise CronError("this cron expression never runs (no such day)")
        return cron

    def runs_on(self, day: dt.date) -> bool:
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first minute strictly after ``moment`` (local, naive) that matches."""
        start = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for day in _days(start.date(), HORIZON_DAYS):
            if not self.runs_on(day):
                continue
            for hour in self.hours:
                for minute in self.minutes:
                    candidate = dt.datetime.combine(day, dt.time(hour, minute))
                    if candidate >= start:
                        return candidate
        raise CronError("this cron expression does not run in the next four years")


def _days(first: dt.date, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(count)]


def _field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    allowed: set[int] = set()
    for item in text.lower().split(","):
        span, _, step_text = item.partition("/")
        step = _number(step_text, name, names={}) if step_text else 1
        if step < 1:
            raise CronError(f"the step of the {name} field must be at least 1")
        if span == "*":
            first, last = low, high
        else:
            first_text, dash, last_text = span.partition("-")
            first = _number(first_text, name, names)
            last = _number(last_text, name, names) if dash else (high if step_text else first)
        if not low <= first <= last <= high:
            raise CronError(f"the {name} field {item!r} is outside {low}-{high}")
        allowed.update(range(first, last + 1, step))
    return allowed


def _number(text: str, name: str, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not (text.isascii() and text.isdigit()):
        raise CronError(f"the {name} field has {text!r}, which is not a number")
    return int(text)


Every = Literal["daily", "weekly", "monthly", "cron"]


class Cadence(BaseModel):
    """How often a schedule runs.

    ``daily`` at ``hour:minute``; ``weekly`` on ``weekday`` (0 = Monday) at
    that time; ``monthly`` on ``day`` (1-31; a month without that day runs on
    its last day) at that time; ``cron`` by the expression ``cron``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    every: Every = Field(description="daily, weekly, monthly or cron.")
    hour: int = Field(2, ge=0, le=23, description="Hour of the day (server's local time).")
    minute: int = Field(0, ge=0, le=59, description="Minute of the hour.")
    weekday: int = Field(0, ge=0, le=6, description="Weekly: 0 = Monday ... 6 = Sunday.")
    day: int = Field(1, ge=1, le=31, description="Monthly: day of the month.")
    cron: str | None = Field(
        None, max_length=100, description="Cron: minute hour day month weekday."
    )

    @model_validator(mode="after")
    def _cron_readable(self) -> Self:
        if self.every == "cron":
            if not self.cron:
                raise ValueError("a cron cadence needs its expression (e.g. 0 2 1 * *)")
            try:
                Cron.parse(self.cron)
            except CronError as exc:
                raise ValueError(str(exc)) from None
        return self

    def next_after(self, moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.datetime:
        """The first run strictly after ``moment`` (aware), as an aware UTC time."""
        local = moment.astimezone(tz).replace(tzinfo=None)
        found = self._next_local(local)
        if tz is not None:
            return found.replace(tzinfo=tz).astimezone(dt.UTC)
        return _from_local(found)

    def _next_local(self, local: dt.datetime) -> dt.datetime:
        if self.every == "cron":
            assert self.cron is not None
            return Cron.parse(self.cron).next_after(local)
        at = dt.time(self.hour, self.minute)
        day = local.date()
        for _ in range(HORIZON_DAYS):
            if self._runs_on(day):
                candidate = dt.datetime.combine(day, at)
                if candidate > local:
                    return candidate
            day += dt.timedelta(days=1)
        raise CronError("no run found")  # pragma: no cover - every cadence runs within a month

    def _runs_on(self, day: dt.date) -> bool:
        if self.every == "weekly":
            return day.weekday() == self.weekday
        if self.every == "monthly":
            return day.day == min(self.day, calendar.monthrange(day.year, day.month)[1])
        return True

    def describe(self) -> dict[str, str | int | None]:
        """The fields that matter for this cadence (for pages and JSON)."""
        if self.every == "cron":
            return {"every": "cron", "cron": self.cron}
        shown: dict[str, str | int | None] = {"every": self.every, "at": self.at}
        if self.every == "weekly":
            shown["weekday"] = self.weekday
        if self.every == "monthly":
            shown["day"] = self.day
        return shown

    @property
    def at(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


def _from_local(naive: dt.datetime) -> dt.datetime:
    """A naive local time as an aware UTC time (the machine's zone, daylight saving included)."""
    return naive.astimezone().astimezone(dt.UTC)
