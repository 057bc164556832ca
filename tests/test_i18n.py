"""One home for bilingual text: every entry has both languages and the same fields in each."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from rfmkit import i18n
from rfmkit.i18n import core, delivery, history, report, web


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(i18n.CATALOGUE))
def test_every_text_has_both_languages_with_the_same_fields(key):
    entry = i18n.CATALOGUE[key]
    assert set(entry) == {"zh", "en"}, key
    assert entry["zh"].strip() and entry["en"].strip(), key
    assert fields(entry["zh"]) == fields(entry["en"]), key


def test_areas_do_not_collide():
    areas = (core, report, history, delivery, web)
    total = sum(len(area.TEXT) for area in areas)
    assert len(i18n.CATALOGUE) == total


def test_numbers_and_days_for_people():
    assert i18n.number(123_456, "zh") == "12.35万"
    assert i18n.number(312_000_000, "zh") == "3.12亿"
    assert i18n.number(123_456, "en") == "123,456"
    assert i18n.number(float("nan"), "en") == "-"
    assert i18n.day(dt.date(2024, 7, 1), "zh") == "2024年7月1日"
    assert i18n.day(dt.date(2024, 7, 1), "en") == "2024-07-01"


def test_an_untranslated_rule_falls_back_to_its_description():
    assert i18n.rule_description("brand_new_rule", "a new rule", "zh") == "a new rule"
    assert i18n.rule_description("duplicate", "x", "zh") == "与之前某行完全重复"
