"""Act on segments: lifecycle stages, holdouts, campaign measurement, audiences.

Everything data-heavy runs in the engine (Ibis); only small results (one row
per segment or group) come back to Python for the statistics.
"""

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

__all__ = [
    "LIFECYCLE_STAGE",
    "STAGES",
    "LifecycleOptions",
    "lifecycle_stage",
    "onboarding_action",
    "stage_label",
    "stage_summary",
    "with_onboarding_action",
]
