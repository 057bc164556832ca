"""The delivery log: which alert reached which destination.

Delivery checks the log before sending and records after every outcome, so
re-running never delivers the same alert twice to the same destination. The
snapshot store implements :class:`DeliveryLog` on its own table; the
in-memory :class:`MemoryDeliveryLog` serves tests and one-off runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

#: Statuses that count as delivered (the alert is not sent again).
DELIVERED_STATUSES = frozenset({"delivered", "digest"})


@runtime_checkable
class DeliveryLog(Protocol):
    """Where delivery outcomes are kept, keyed by destination name and alert key."""

    def delivered(self, destination: str, key: str) -> bool:
        """Whether the alert ``key`` already reached ``destination``."""
        ...

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None:
        """Record an outcome: ``status`` is one of :data:`STATUSES`, ``detail`` a message id or error."""
        ...


#: Every status delivery records: delivered in a message, summarised in a
#: digest, failed after its attempts, refused by a configuration error, or
#: not attempted because an earlier message to the same destination failed.
STATUSES = ("delivered", "digest", "failed", "config_error", "not_sent")


@dataclass(frozen=True)
class LogEntry:
    """One recorded outcome."""

    destination: str
    key: str
    status: str
    detail: str


class MemoryDeliveryLog:
    """A :class:`DeliveryLog` in memory; keeps every entry in order for inspection."""

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self._done: set[tuple[str, str]] = set()

    def delivered(self, destination: str, key: str) -> bool:
        """Whether ``key`` was recorded as delivered (or in a digest) to ``destination``."""
        return (destination, key) in self._done

    def record_delivery(self, destination: str, key: str, status: str, detail: str) -> None:
        """Append an entry; a delivered status marks the pair as done."""
        self.entries.append(LogEntry(destination, key, status, detail))
        if status in DELIVERED_STATUSES:
            self._done.add((destination, key))
