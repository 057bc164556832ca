"""Customers' owners (salespeople) from the order log, through scores, snapshots and alerts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rfmkit
from rfmkit.cli import main


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(
        "客户ID,订单号,下单时间,实付金额,负责人\n"
        "c1,o1,2024-01-05,100,张三\n"
        "c1,o2,2024-03-05,50,李四\n"  # the latest order names the owner
        "c2,o3,2024-02-05,80,\n"
        "c3,o4,2024-02-07,30,王五\n",
        encoding="utf-8",
    )
    return path


def test_the_owner_of_the_latest_order_is_the_customers(orders):
    table = rfmkit.score(str(orders), as_of="2024-04-01").to_pandas().set_index("customer_id")
    owners = {k: v if isinstance(v, str) else None for k, v in table["owner"].items()}
    assert owners == {"c1": "李四", "c2": None, "c3": "王五"}


def test_without_an_owner_column_there_is_no_owner(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("customer_id,order_date,amount\na,2024-01-01,5\n", encoding="utf-8")
    assert "owner" not in rfmkit.score(str(path)).customers.columns


def test_a_mapped_owner_column_reaches_the_store(orders, tmp_path):
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(
        orders.read_text(encoding="utf-8").replace("负责人", "跟单"), encoding="utf-8"
    )
    store = tmp_path / "s.duckdb"
    args = ["snapshot", str(renamed), "--as-of", "2024-04-01", "--store", str(store)]
    assert main([*args, "--map", "owner=跟单"]) == 0
    out = tmp_path / "snap.csv"
    assert main(["history", "--store", str(store), "--as-of", "2024-04-01", "-o", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as handle:
        owners = {row["customer_id"]: row["owner"] for row in csv.DictReader(handle)}
    assert owners == {"c1": "李四", "c2": "", "c3": "王五"}
