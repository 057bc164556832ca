"""Row numbers for a Spark DataFrame without moving its rows.

A window ``row_number() OVER (ORDER BY ...)`` over a whole table sends every
row to one task. Instead each row's number is its position in its partition
plus the rows of the partitions before it: one small aggregation (a count per
partition, collected: one row per partition) and a narrow projection. The
numbers follow the input's own order (files and offsets as Spark splits
them), as a scan is deterministic.
"""

from __future__ import annotations

from typing import Any

#: Where Spark's ``monotonically_increasing_id`` keeps the partition (upper 31 bits).
PARTITION_SHIFT = 33


def numbered(frame: Any, column: str = "_row") -> Any:
    """``frame`` with ``column``: each row's 1-based position, computed in place.

    Parameters
    ----------
    frame
        A Spark DataFrame (classic or Spark Connect), right on its scan
        (filters are fine; no shuffle before it).
    column
        The name of the new first column.
    """
    from rfmkit.spark.session import functions

    F = functions(frame.sparkSession)
    tagged = frame.withColumn("_rfm_pid", F.spark_partition_id()).withColumn(
        "_rfm_mid", F.monotonically_increasing_id()
    )
    counts = {
        int(row["_rfm_pid"]): int(row["count"])
        for row in tagged.groupBy("_rfm_pid").count().collect()
    }
    if not counts:
        return frame.select(F.lit(None).cast("bigint").alias(column), "*")
    offsets, total = [], 0
    for partition in range(max(counts) + 1):
        offsets.append(total)
        total += counts.get(partition, 0)
    start = F.array(*[F.lit(o).cast("bigint") for o in offsets])[F.col("_rfm_pid")]
    within = F.col("_rfm_mid") - F.shiftleft(F.col("_rfm_pid").cast("bigint"), PARTITION_SHIFT)
    position = (start + within + F.lit(1)).cast("bigint").alias(column)
    return tagged.select(position, *[F.col(f"`{c}`") for c in frame.columns])
