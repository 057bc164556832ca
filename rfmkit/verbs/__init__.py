"""The verbs of rfmkit: what every shell (CLI, Python, web app) calls.

Each verb takes its inputs and settings by name (the names of
:mod:`rfmkit.settings`) and returns a result carrying a run record; none
prints, and only ``save`` (and ``demo``, which writes its demo folder)
writes files.
"""

from rfmkit.verbs.check import CheckResult, check
from rfmkit.verbs.demo import DemoResult, demo
from rfmkit.verbs.save import save
from rfmkit.verbs.score import ScoreResult, score

__all__ = ["CheckResult", "DemoResult", "ScoreResult", "check", "demo", "save", "score"]
