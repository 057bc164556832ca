"""Act on segments: lifecycle stages, holdouts, campaign measurement, audiences.

Everything data-heavy runs in the engine (Ibis); only small results (one row
per segment or group) come back to Python for the statistics.
"""

from rfmkit.campaigns.holdout import assign_holdout, hash_unit, hash_unit_text, parse_share
from rfmkit.campaigns.lifecycle import (
    LIFECYCLE_STAGE,
    STAGES,
    LifecycleOptions,
    lifecycle_stage,
    onboarding_action,
    stage_label,
    stage_summary,
    with_onboarding_action,
)
from rfmkit.campaigns.measure import MEASURE_COLUMNS, measure, responses
from rfmkit.campaigns.stats import (
    group_warning,
    min_detectable_effect,
    roi,
    two_proportion_test,
    welch_test,
)

__all__ = [
    "LIFECYCLE_STAGE",
    "MEASURE_COLUMNS",
    "STAGES",
    "LifecycleOptions",
    "assign_holdout",
    "group_warning",
    "hash_unit",
    "hash_unit_text",
    "lifecycle_stage",
    "measure",
    "min_detectable_effect",
    "onboarding_action",
    "parse_share",
    "responses",
    "roi",
    "stage_label",
    "stage_summary",
    "two_proportion_test",
    "welch_test",
    "with_onboarding_action",
]
