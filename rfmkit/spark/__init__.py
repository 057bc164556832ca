"""Spark as a client of a cluster: sessions, inputs Spark reads itself, outputs it writes.

Nothing here imports PySpark or Ibis at import time; each module is loaded
on use (:mod:`rfmkit.spark.conf` is imported by the settings).
"""
