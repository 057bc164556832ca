"""rfmkit.charts one by one, and the spelling of numbers and dates per language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
import pytest

import rfmkit.charts as charts
from rfmkit.errors import ConfigError
from rfmkit.reporting import fmt
from tests.report.conftest import HISTORY


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (0, "0", "0"),
        (9999, "9,999", "9,999"),
        (12_345, "1.23万", "12,345"),
        (1_234_567, "123.5万", "1,234,567"),
        (123_456_789, "1.23亿", "123,456,789"),
        (-50_000, "-5万", "-50,000"),
        (None, "–", "–"),
    ],
)
def test_numbers_per_language(value: float | None, zh: str, en: str) -> None:
    assert fmt.number(value, "zh") == zh
    assert fmt.number(value, "en") == en


def test_dates_money_and_ticks() -> None:
    assert fmt.date(dt.date(2024, 6, 30), "zh") == "2024年6月30日"
    assert fmt.date(dt.date(2024, 6, 30), "en") == "30 Jun 2024"
    assert fmt.money(82.456, "en") == "82.46"
    assert fmt.money(1_380_000, "zh") == "138万"
    axis = fmt.ticks(0, 200_000, "zh")
    assert axis["tickvals"] == [0, 50_000, 100_000, 150_000, 200_000]
    assert axis["ticktext"] == ["0", "5万", "10万", "15万", "20万"]
    assert fmt.log_ticks(3, 600, "en")["ticktext"] == ["5", "10", "20", "50", "100", "200", "500"]


def test_every_chart_of_a_prediction_with_history(demo_prediction: Any) -> None:
    for name in charts.NAMES:
        fig = charts.chart(name, demo_prediction, lang="en", history=HISTORY)
        assert isinstance(fig, go.Figure) and fig.data, name
        assert fig.layout.title.text, name


def test_list_names_every_chart() -> None:
    listed = charts.describe("zh")
    assert [name for name, _ in listed] == list(charts.NAMES)
    assert dict(listed)["value_map"].startswith("价值地图")


def test_unknown_chart(tiny: Any) -> None:
    with pytest.raises(ConfigError, match="No chart named 'heatmap'"):
        charts.chart("heatmap", tiny)


def test_prediction_chart_needs_predictions(tiny: Any) -> None:
    with pytest.raises(ConfigError, match="The chart p_alive_matrix needs predictions"):
        charts.p_alive_matrix(tiny)


def test_history_chart_needs_history(tiny: Any) -> None:
    with pytest.raises(ConfigError, match="The chart migration needs history"):
        charts.chart("migration", tiny)


def test_language_defaults_to_the_run(tiny: Any) -> None:
    assert charts.value_map(tiny).layout.title.text.startswith("Value map")  # tiny is lang="en"
    assert charts.value_map(tiny, lang="zh").layout.title.text.startswith("价值地图")
    with pytest.raises(ConfigError, match="Unknown language 'fr'"):
        charts.value_map(tiny, lang="fr")
