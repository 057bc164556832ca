"""Incremental refresh: the state a store keeps to merge new orders without re-reading the old.

:mod:`rfmkit.refresh.state` lays out and reads the state's tables,
:mod:`rfmkit.refresh.merge` merges a batch into them, :mod:`rfmkit.refresh.counts`
gives the data-quality counts at any ``as_of`` and :mod:`rfmkit.refresh.watermark`
reads only a database's new rows. The verb is :func:`rfmkit.verbs.refresh.refresh`.
"""
