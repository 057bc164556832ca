"""Message text: alerts grouped by owner, packed into byte-limited messages.

Robots show markdown to people: one section per owner (heading with the
owner's name, a mention, the number of customers and the value at stake,
then one line per customer with the reason), sections packed greedily into
messages of at most ``max_bytes`` UTF-8 bytes. :func:`split_utf8` splits
text by bytes without cutting a character, and between lines when it can.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rfmkit.delivery.alerts import Alert, Owner
from rfmkit.delivery.text import Language, money, t


@dataclass(frozen=True)
class Message:
    """One message to send: its stable id, the alerts it carries and its JSON payload.

    ``status`` is what its alerts are recorded as once it is accepted
    (``delivered``, or ``digest`` for a summary).
    """

    id: str
    alert_keys: tuple[str, ...]
    payload: dict[str, Any]
    status: str = "delivered"


def message_id(prefix: str, keys: Iterable[str]) -> str:
    """A stable id from the alert keys a message carries (order does not matter)."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()
    return f"{prefix}_{digest[:32]}"


def _cut_line(line: str, limit: int) -> list[str]:
    data = line.encode()
    pieces = []
    start = 0
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(data[start:end].decode())
        start = end
    return pieces


def split_utf8(text: str, limit: int) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` UTF-8 bytes.

    Pieces end at a line break whenever a whole line fits; a line longer
    than ``limit`` is cut between characters, never inside one. Joining the
    pieces gives ``text`` back exactly.

    Raises
    ------
    ValueError
        ``limit`` is below 4 bytes (the longest UTF-8 character).
    """
    if limit < 4:
        raise ValueError("limit must be at least 4 bytes")
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    lines = text.split("\n")
    for number, bare in enumerate(lines):
        line = bare if number == len(lines) - 1 else bare + "\n"
        if not line:
            continue
        pieces = _cut_line(line, limit)
        for piece in pieces:
            n = len(piece.encode())
            if size + n > limit and current:
                chunks.append("".join(current))
                current, size = [], 0
            current.append(piece)
            size += n
    if current:
        chunks.append("".join(current))
    return chunks


@dataclass
class Section:
    """One owner's block of text and the alerts in it."""

    owner: str | None
    text: str
    keys: list[str]
    value: float
    mention: Owner | None = None


@dataclass
class Group:
    """One owner's alerts, sorted by value at stake."""

    owner: str | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def value(self) -> float:
        """The value at stake of the group."""
        return sum(a.value_at_stake for a in self.alerts)


def group_by_owner(alerts: Sequence[Alert]) -> list[Group]:
    """Alerts grouped by owner, the group with most value at stake first (unowned last)."""
    groups: dict[str | None, Group] = {}
    for alert in alerts:
        groups.setdefault(alert.owner, Group(alert.owner)).alerts.append(alert)
    for group in groups.values():
        group.alerts.sort(key=lambda a: (-a.value_at_stake, a.customer_id))
    return sorted(groups.values(), key=lambda g: (g.owner is None, -g.value, g.owner or ""))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def owner_name(key: str | None, owners: Mapping[str, Owner], language: Language) -> str:
    """The display name of an owner key (the key itself when unknown)."""
    if key is None:
        return t("unassigned", language)
    owner = owners.get(key)
    return owner.name if owner else key


Mentioner = Callable[[Owner | None], str]


def sections(
    alerts: Sequence[Alert],
    owners: Mapping[str, Owner],
    language: Language,
    mention: Mentioner,
) -> list[Section]:
    """One markdown section per owner; ``mention`` gives the text that @-mentions an owner."""
    result = []
    for group in group_by_owner(alerts):
        owner = owners.get(group.owner) if group.owner else None
        heading = t(
            "owner_heading",
            language,
            owner=owner_name(group.owner, owners, language),
            mention=mention(owner),
            count=len(group.alerts),
            value=money(group.value),
        )
        lines = [f"#### {heading}"]
        for alert in group.alerts:
            line = t(
                "alert_line",
                language,
                customer=_one_line(alert.customer_id),
                reason=_one_line(alert.reason),
                value=money(alert.value_at_stake),
            )
            lines.append(f"- {line}")
        result.append(
            Section(
                owner=group.owner,
                text="\n".join(lines) + "\n",
                keys=[a.alert_key for a in group.alerts],
                value=group.value,
                mention=owner,
            )
        )
    return result


@dataclass
class Batch:
    """The text of one message and what it covers."""

    text: str
    keys: list[str]
    owners: list[Owner]


def pack(header: str, parts: Sequence[Section], max_bytes: int) -> list[Batch]:
    """Pack sections after ``header`` into texts of at most ``max_bytes`` bytes.

    A section that does not fit in an empty message is split by
    :func:`split_utf8`; each of its pieces carries all of its alert keys.
    """
    room = max_bytes - len(header.encode())
    batches: list[Batch] = []
    current: Batch | None = None
    for part in parts:
        pieces = [part.text] if len(part.text.encode()) <= room else split_utf8(part.text, room)
        for piece in pieces:
            size = len(piece.encode())
            if current is not None and len((current.text + piece).encode()) > max_bytes:
                batches.append(current)
                current = None
            if current is None:
                current = Batch(header, [], [])
            current.text += piece
            current.keys.extend(k for k in part.keys if k not in current.keys)
            if part.mention is not None and part.mention not in current.owners:
                current.owners.append(part.mention)
            assert size <= room
    if current is not None:
        batches.append(current)
    return batches


def digest_text(
    alerts: Sequence[Alert],
    owners: Mapping[str, Owner],
    language: Language,
    mention: Mentioner,
    max_bytes: int,
) -> Batch:
    """One summary message: totals, then one line per owner while they fit."""
    groups = group_by_owner(alerts)
    total = sum(g.value for g in groups)
    text = f"### {t('digest_title', language)}\n\n"
    text += t("digest_intro", language, count=len(alerts), value=money(total)) + "\n\n"
    batch = Batch(text, [a.alert_key for a in alerts], [])
    for number, group in enumerate(groups):
        owner = owners.get(group.owner) if group.owner else None
        line = "- " + t(
            "digest_line",
            language,
            owner=owner_name(group.owner, owners, language),
            mention=mention(owner),
            count=len(group.alerts),
            value=money(group.value),
        )
        more = "\n" + t("digest_more", language, count=len(groups) - number)
        if len((batch.text + line + more).encode()) > max_bytes:
            batch.text += t("digest_more", language, count=len(groups) - number)
            break
        batch.text += line + "\n"
        if owner is not None:
            batch.owners.append(owner)
    return batch
