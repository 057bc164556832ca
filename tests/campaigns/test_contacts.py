"""Contact normalisation per ad-platform rules and SHA-256 test vectors."""

from __future__ import annotations

import hashlib

import ibis
import pandas as pd
import pytest

from rfmkit.campaigns.contacts import normalise_email, normalise_phone, prepare_contacts
from rfmkit.errors import ConfigError

#: raw phone -> the E.164 form it must become (None: not a phone number)
PHONES = {
    "+86 138-0013-8000": "+8613800138000",
    "13800138000": "+8613800138000",
    "008613800138000": "+8613800138000",
    "0138 0013 8000": "+8613800138000",
    " (138) 0013.8000 ": "+8613800138000",
    "+1 (415) 555-2671": "+14155552671",
    "0044 20 7946 0958": "+442079460958",
    "": None,
    "n/a": None,
    "12345": None,
    "+1234567890123456": None,  # 16 digits: longer than E.164 allows
}
EMAILS = {
    "  Li.Lei@Example.COM ": "li.lei@example.com",
    "wang@qq.com": "wang@qq.com",
    "not an email": None,
    "a@b@c": None,
}


def _run(con: ibis.BaseBackend, column: str, values: list[str], fn: object) -> list[object]:
    table = con.create_table(f"t_{column}", pd.DataFrame({column: values}))
    out = table.select(v=fn(table[column])).to_pandas()["v"]  # type: ignore[operator]
    return [None if pd.isna(v) else v for v in out]


def test_phone_vectors(con: ibis.BaseBackend) -> None:
    got = _run(con, "phone", list(PHONES), normalise_phone)
    assert dict(zip(PHONES, got, strict=True)) == PHONES


def test_phone_default_country_code(con: ibis.BaseBackend) -> None:
    got = _run(con, "phone", ["4155552671", "+8613800138000"], lambda v: normalise_phone(v, "+1"))
    assert got == ["+14155552671", "+8613800138000"]
    with pytest.raises(ConfigError, match="not a country calling code"):
        normalise_phone(ibis.literal("1"), "CN")


def test_email_vectors(con: ibis.BaseBackend) -> None:
    got = _run(con, "email", list(EMAILS), normalise_email)
    assert dict(zip(EMAILS, got, strict=True)) == EMAILS


def test_sha256_of_the_normalised_text(con: ibis.BaseBackend) -> None:
    table = con.create_table(
        "contacts",
        pd.DataFrame(
            {
                "customer_id": ["a", "b"],
                "phone": ["+86 138-0013-8000", None],
                "email": ["  Li.Lei@Example.COM ", "wang@qq.com"],
            }
        ),
    )
    frame = prepare_contacts(table, hash="sha256").to_pandas().set_index("customer_id")
    phone_hash = hashlib.sha256(b"+8613800138000").hexdigest()
    assert frame.loc["a", "phone_sha256"] == phone_hash
    assert frame.loc["a", "email_sha256"] == hashlib.sha256(b"li.lei@example.com").hexdigest()
    assert frame.loc["a", "phone"] == "+8613800138000"
    assert pd.isna(frame.loc["b", "phone_sha256"])
    assert frame.loc["b", "email_sha256"] == hashlib.sha256(b"wang@qq.com").hexdigest()


def test_no_pii_drops_the_raw_fields(con: ibis.BaseBackend) -> None:
    table = con.create_table(
        "c2", pd.DataFrame({"customer_id": ["a"], "phone": ["13800138000"], "email": ["x@y.cn"]})
    )
    hashed = prepare_contacts(table, hash="sha256", no_pii=True)
    assert hashed.columns == ("customer_id", "phone_sha256", "email_sha256")
    assert prepare_contacts(table, no_pii=True).columns == ("customer_id",)
    with pytest.raises(ConfigError, match="Unknown hash"):
        prepare_contacts(table, hash="md5")  # type: ignore[arg-type]
