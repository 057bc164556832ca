"""Deprecated home of the ``score`` verb: see :mod:`rfmkit.verbs.score`."""

from rfmkit.verbs.score import ScoreResult, score

__all__ = ["ScoreResult", "score"]
