"""Errors the engine raises that rfmkit can name for the person who ran a verb.

A database read (``from_db`` with ``table`` or ``query``) streams its rows
only when the engine runs, long after the source was opened; the database
may refuse then (no right to read, a statement timeout, a write in the
read-only transaction, an error inside the query). :func:`known_error` turns
such an engine error into the :class:`~rfmkit.errors.RfmError` that names the
database and the table or query (the CLI does it before calling anything
else an internal error); :func:`rfmkit.sources.databases.database_errors`
does the same around a block of Python.
"""

from __future__ import annotations

from rfmkit.errors import RfmError


def known_error(exc: BaseException) -> RfmError | None:
    """An :class:`RfmError` for ``exc`` when rfmkit can say what it means, else None."""
    from rfmkit.sources.databases import refusal_of

    return refusal_of(exc)
