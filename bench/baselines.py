"""Hand-written competitors to rfmkit, one process each.

``python bench/baselines.py NAME INPUT OUTPUT --as-of 2025-06-30`` reads an
order log (Parquet, or CSV for the DuckDB ones), scores it and writes the
customer table as Parquet. Run in its own process, a competitor's peak
memory is that process's.

All of them mean the same by R, F and M (see ``rfmkit.glossary``): rows
dated before ``as_of`` form orders by ``(customer_id, order_id)`` with the earliest
date and the net sum; frequency counts orders with a positive net, monetary
sums all nets, recency is days from the last positive order to ``as_of``;
customers without a positive order are left out. Scores 1-5 use the k/5
quantiles as edges, ``1 + #{value > edge}`` (reversed for recency), so ties
share a score; the cn8 segment splits each metric against its mean.

The exception is ``duckdb-naive``, the query most people write first: one
row-level GROUP BY with COUNT(DISTINCT order_id) and NTILE(5) scores. Its
frequency counts an order as soon as it has a positive line (so a fully
refunded order still counts) and NTILE gives tied customers different
scores: it is the yardstick, not a correct answer.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path

LEVELS = 5
PROBS = [k / LEVELS for k in range(1, LEVELS)]
COLUMNS = ("customer_id", "order_id", "order_date", "amount")

#: cn8 segments by (R high, F high, M high), as in ``rfmkit/schemes/cn8.yaml``.
CN8 = {
    (True, True, True): ("important_value", "重要价值客户"),
    (True, False, True): ("important_development", "重要发展客户"),
    (False, True, True): ("important_retention", "重要保持客户"),
    (False, False, True): ("important_winback", "重要挽留客户"),
    (True, True, False): ("general_value", "一般价值客户"),
    (True, False, False): ("general_development", "一般发展客户"),
    (False, True, False): ("general_retention", "一般保持客户"),
    (False, False, False): ("general_winback", "一般挽留客户"),
}


def _cn8_index(r_high: bool, f_high: bool, m_high: bool) -> int:
    return 4 * r_high + 2 * f_high + m_high


#: Segment keys and labels in the order of :func:`_cn8_index`.
CN8_KEYS = [CN8[(bool(i & 4), bool(i & 2), bool(i & 1))][0] for i in range(8)]
CN8_LABELS = [CN8[(bool(i & 4), bool(i & 2), bool(i & 1))][1] for i in range(8)]


# --- DuckDB -----------------------------------------------------------------


def duckdb_source(path: Path, encoding: str = "utf-8") -> str:
    """A relation with the four canonical columns, from Parquet or CSV.

    CSV columns are taken by position, so a GBK file with Chinese headers
    reads the same as the UTF-8 one.
    """
    if path.suffix == ".parquet":
        return f"read_parquet('{path}')"
    return (
        "(SELECT #1 AS customer_id, #2 AS order_id, #3 AS order_date, #4 AS amount "
        f"FROM read_csv('{path}', encoding = '{encoding}'))"
    )


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


NAIVE_SQL = """
COPY (
WITH customers AS (
    SELECT customer_id,
        DATE '{as_of}' - max(order_date) FILTER (WHERE amount > 0) AS recency_days,
        count(DISTINCT order_id) FILTER (WHERE amount > 0) AS frequency,
        sum(amount) AS monetary,
        min(order_date) FILTER (WHERE amount > 0) AS first_purchase,
        max(order_date) FILTER (WHERE amount > 0) AS last_purchase
    FROM {source}
    WHERE order_date < DATE '{as_of}'
    GROUP BY customer_id
    HAVING count(*) FILTER (WHERE amount > 0) > 0
), scored AS (
    SELECT *,
        ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
        ntile(5) OVER (ORDER BY frequency) AS f_score,
        ntile(5) OVER (ORDER BY monetary) AS m_score,
        recency_days <= avg(recency_days) OVER () AS r_high,
        frequency >= avg(frequency) OVER () AS f_high,
        monetary >= avg(monetary) OVER () AS m_high
    FROM customers
)
{final}
) TO '{output}' (FORMAT parquet)
"""

BEST_SQL = """
COPY (
WITH orders AS (
    SELECT customer_id, min(order_date) AS order_date, sum(amount) AS net
    FROM {source}
    WHERE order_date < DATE '{as_of}'
    GROUP BY customer_id, order_id
), customers AS MATERIALIZED (
    SELECT customer_id,
        DATE '{as_of}' - max(order_date) FILTER (WHERE net > 0) AS recency_days,
        count(*) FILTER (WHERE net > 0) AS frequency,
        sum(net) AS monetary,
        min(order_date) FILTER (WHERE net > 0) AS first_purchase,
        max(order_date) FILTER (WHERE net > 0) AS last_purchase
    FROM orders
    GROUP BY customer_id
    HAVING count(*) FILTER (WHERE net > 0) > 0
), edges AS (
    SELECT quantile_cont(recency_days, {probs}) AS r, avg(recency_days) AS r_mean,
        quantile_cont(frequency, {probs}) AS f, avg(frequency) AS f_mean,
        quantile_cont(monetary, {probs}) AS m, avg(monetary) AS m_mean
    FROM customers
), scored AS (
    SELECT c.*,
        {levels} - list_count(list_filter(r, e -> c.recency_days > e)) AS r_score,
        1 + list_count(list_filter(f, e -> c.frequency > e)) AS f_score,
        1 + list_count(list_filter(m, e -> c.monetary > e)) AS m_score,
        c.recency_days <= r_mean AS r_high,
        c.frequency >= f_mean AS f_high,
        c.monetary >= m_mean AS m_high
    FROM customers c, edges
)
{final}
) TO '{output}' (FORMAT parquet)
"""

FINAL_SQL = """
SELECT customer_id, recency_days, frequency, monetary,
    r_score, f_score, m_score,
    r_score::VARCHAR || f_score::VARCHAR || m_score::VARCHAR AS rfm_code,
    r_score + f_score + m_score AS rfm_score,
    {keys}[1 + 4 * r_high::INTEGER + 2 * f_high::INTEGER + m_high::INTEGER] AS segment,
    {labels}[1 + 4 * r_high::INTEGER + 2 * f_high::INTEGER + m_high::INTEGER] AS segment_label,
    first_purchase, last_purchase,
    DATE '{as_of}' - first_purchase AS tenure_days,
    monetary / frequency AS avg_order_value
FROM scored
"""


def _duckdb(template: str, path: Path, encoding: str, output: Path, as_of: date) -> None:
    import duckdb

    final = FINAL_SQL.format(keys=_sql_list(CN8_KEYS), labels=_sql_list(CN8_LABELS), as_of=as_of)
    sql = template.format(
        source=duckdb_source(path, encoding),
        output=output,
        as_of=as_of,
        probs=PROBS,
        levels=LEVELS,
        final=final,
    )
    con = duckdb.connect()
    if encoding.lower().replace("-", "") != "utf8":
        import duckdb_extensions

        duckdb_extensions.import_extension("encodings", con=con)
        con.execute("LOAD encodings")
    con.execute(sql)


def duckdb_naive(path: Path, output: Path, as_of: date, encoding: str = "utf-8") -> None:
    """Row-level GROUP BY with COUNT(DISTINCT order_id), then NTILE(5)."""
    _duckdb(NAIVE_SQL, path, encoding, output, as_of)


def duckdb_best(path: Path, output: Path, as_of: date, encoding: str = "utf-8") -> None:
    """Orders first, then customers; quantile edges from one aggregate pass."""
    _duckdb(BEST_SQL, path, encoding, output, as_of)


def duckdb_transcode(path: Path, output: Path, as_of: date, encoding: str = "utf-8") -> None:
    """Re-encode the CSV to UTF-8 in Python (streaming), then ``duckdb-best`` on it.

    The workaround for non-UTF-8 files when DuckDB's ``encodings`` extension
    is slow or fails.
    """
    import codecs

    utf8 = output.with_suffix(".utf8.csv")
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as src, utf8.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(16 << 20):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
        duckdb_best(utf8, output, as_of)
    finally:
        utf8.unlink(missing_ok=True)


# --- Polars -----------------------------------------------------------------


def polars_lazy(path: Path, output: Path, as_of: date, encoding: str = "utf-8") -> None:
    """Lazy Polars on the streaming engine, scored eagerly on the customer table."""
    import polars as pl

    net = pl.col("net")
    positive = pl.col("order_date").filter(net > 0)
    customers = (
        pl.scan_parquet(path)
        .filter(pl.col("order_date") < as_of)
        .group_by("customer_id", "order_id")
        .agg(pl.col("order_date").min(), net=pl.col("amount").sum())
        .group_by("customer_id")
        .agg(
            frequency=(net > 0).sum(),
            monetary=net.sum(),
            first_purchase=positive.min(),
            last_purchase=positive.max(),
        )
        .filter(pl.col("frequency") > 0)
        .with_columns(recency_days=(pl.lit(as_of) - pl.col("last_purchase")).dt.total_days())
        .collect(engine="streaming")
    )

    def score(metric: str, higher_is_better: bool) -> pl.Expr:
        edges = [customers[metric].quantile(p, interpolation="linear") for p in PROBS]
        above = pl.sum_horizontal([(pl.col(metric) > edge).cast(pl.Int32) for edge in edges])
        return (1 + above) if higher_is_better else (LEVELS - above)

    means = customers.select(pl.col("recency_days", "frequency", "monetary").mean()).row(0)
    index = (
        4 * (pl.col("recency_days") <= means[0]).cast(pl.Int32)
        + 2 * (pl.col("frequency") >= means[1]).cast(pl.Int32)
        + (pl.col("monetary") >= means[2]).cast(pl.Int32)
    )
    scores = ("r_score", "f_score", "m_score")
    (
        customers.lazy()
        .with_columns(
            r_score=score("recency_days", False),
            f_score=score("frequency", True),
            m_score=score("monetary", True),
            segment_index=index,
        )
        .select(
            "customer_id",
            "recency_days",
            "frequency",
            "monetary",
            *scores,
            rfm_code=pl.concat_str([pl.col(s).cast(pl.String) for s in scores]),
            rfm_score=pl.sum_horizontal(scores),
            segment=pl.col("segment_index").replace_strict(range(8), CN8_KEYS),
            segment_label=pl.col("segment_index").replace_strict(range(8), CN8_LABELS),
            first_purchase="first_purchase",
            last_purchase="last_purchase",
            tenure_days=(pl.lit(as_of) - pl.col("first_purchase")).dt.total_days(),
            avg_order_value=pl.col("monetary") / pl.col("frequency"),
        )
        .sink_parquet(output)
    )


# --- pandas -----------------------------------------------------------------


def pandas_plain(path: Path, output: Path, as_of: date, encoding: str = "utf-8") -> None:
    """Plain pandas: two groupbys, quantile edges, ``searchsorted`` scores."""
    import numpy as np
    import pandas as pd

    day = pd.Timestamp(as_of)
    rows = pd.read_parquet(
        path, engine="pyarrow", columns=list(COLUMNS), to_pandas_kwargs={"date_as_object": False}
    )
    rows = rows[rows["order_date"] < day]
    orders = rows.groupby(["customer_id", "order_id"], sort=False).agg(
        order_date=("order_date", "min"), net=("amount", "sum")
    )
    del rows
    monetary = orders.groupby("customer_id", sort=False)["net"].sum()
    positive = orders[orders["net"] > 0].groupby("customer_id", sort=False)["order_date"]
    c = positive.agg(frequency="size", first_purchase="min", last_purchase="max")
    c["monetary"] = monetary
    c["recency_days"] = (day - c["last_purchase"]).dt.days

    def score(metric: str, higher_is_better: bool) -> np.ndarray:
        edges = c[metric].quantile(PROBS).to_numpy()
        above = np.searchsorted(edges, c[metric].to_numpy(), side="left")
        return 1 + above if higher_is_better else LEVELS - above

    c["r_score"] = score("recency_days", False)
    c["f_score"] = score("frequency", True)
    c["m_score"] = score("monetary", True)
    c["rfm_code"] = c["r_score"].astype(str) + c["f_score"].astype(str) + c["m_score"].astype(str)
    c["rfm_score"] = c["r_score"] + c["f_score"] + c["m_score"]
    index = (
        4 * (c["recency_days"] <= c["recency_days"].mean()).to_numpy()
        + 2 * (c["frequency"] >= c["frequency"].mean()).to_numpy()
        + (c["monetary"] >= c["monetary"].mean()).to_numpy()
    )
    c["segment"] = np.asarray(CN8_KEYS)[index]
    c["segment_label"] = np.asarray(CN8_LABELS)[index]
    c["tenure_days"] = (day - c["first_purchase"]).dt.days
    c["first_purchase"] = c["first_purchase"].dt.date
    c["last_purchase"] = c["last_purchase"].dt.date
    c["avg_order_value"] = c["monetary"] / c["frequency"]
    columns = ["recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"]
    columns += ["rfm_code", "rfm_score", "segment", "segment_label", "first_purchase"]
    columns += ["last_purchase", "tenure_days", "avg_order_value"]
    c[columns].reset_index().to_parquet(output, index=False)


Competitor = Callable[[Path, Path, date, str], None]

COMPETITORS: dict[str, Competitor] = {
    "duckdb-naive": duckdb_naive,
    "duckdb-best": duckdb_best,
    "duckdb-transcode": duckdb_transcode,
    "polars": polars_lazy,
    "pandas": pandas_plain,
}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run one hand-written RFM competitor.")
    parser.add_argument("name", choices=sorted(COMPETITORS))
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--encoding", default="utf-8", help="CSV encoding (DuckDB only)")
    args = parser.parse_args()
    COMPETITORS[args.name](args.input, args.output, args.as_of, args.encoding)


if __name__ == "__main__":
    main()
