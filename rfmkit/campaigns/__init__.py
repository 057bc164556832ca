"""Act on segments: lifecycle stages, holdouts, campaign measurement, audiences.

Everything data-heavy runs in the engine (Ibis); only small results (one row
per segment or group) come back to Python for the statistics.
"""

from rfmkit.campaigns.audiences import (
    AudienceFilters,
    AudienceInfo,
    ExportResult,
    audience_members,
    create_audience,
    export_audience,
    list_audiences,
    parse_ranges,
    push_audience,
    select_customers,
    show_audience,
)
from rfmkit.campaigns.campaign import (
    CampaignInfo,
    campaign_assignments,
    campaign_history,
    create_campaign,
    measure_campaign,
    show_campaign,
)
from rfmkit.campaigns.contacts import (
    normalise_email,
    normalise_phone,
    prepare_contacts,
    sha256_hex,
)
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
from rfmkit.campaigns.suppression import add_suppressions, apply_suppression, suppression_list

__all__ = [
    "LIFECYCLE_STAGE",
    "MEASURE_COLUMNS",
    "STAGES",
    "AudienceFilters",
    "AudienceInfo",
    "CampaignInfo",
    "ExportResult",
    "LifecycleOptions",
    "add_suppressions",
    "apply_suppression",
    "assign_holdout",
    "audience_members",
    "campaign_assignments",
    "campaign_history",
    "create_audience",
    "create_campaign",
    "export_audience",
    "group_warning",
    "hash_unit",
    "hash_unit_text",
    "lifecycle_stage",
    "list_audiences",
    "measure",
    "measure_campaign",
    "min_detectable_effect",
    "normalise_email",
    "normalise_phone",
    "onboarding_action",
    "parse_ranges",
    "parse_share",
    "prepare_contacts",
    "push_audience",
    "responses",
    "roi",
    "select_customers",
    "sha256_hex",
    "show_audience",
    "show_campaign",
    "stage_label",
    "stage_summary",
    "suppression_list",
    "two_proportion_test",
    "welch_test",
    "with_onboarding_action",
]
