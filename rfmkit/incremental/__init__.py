"""Incremental refresh: the state a store keeps to merge new orders without re-reading the old.

:mod:`rfmkit.incremental.state` lays out and reads the state's tables,
:mod:`rfmkit.incremental.merge` merges a batch into them, :mod:`rfmkit.incremental.counts`
gives the data-quality counts at any ``as_of`` and :mod:`rfmkit.incremental.watermark`
reads only a database's new rows. The verb is :func:`rfmkit.verbs.refresh.refresh`.
"""
