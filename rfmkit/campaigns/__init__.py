"""Act on segments: lifecycle stages, holdouts, campaign measurement, audiences.

Everything data-heavy runs in the engine (Ibis); only small results (one row
per segment or group) come back to Python for the statistics.

Names are imported on first use, so that scoring, which needs only the
lifecycle stages, does not load the rest. ``rfmkit.campaigns.measure`` is the
module; its function is ``rfmkit.campaigns.measure.measure``.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_LAZY = {
    "AudienceFilters": "rfmkit.campaigns.audiences",
    "AudienceInfo": "rfmkit.campaigns.audiences",
    "ExportResult": "rfmkit.campaigns.audiences",
    "audience_members": "rfmkit.campaigns.audiences",
    "create_audience": "rfmkit.campaigns.audiences",
    "export_audience": "rfmkit.campaigns.audiences",
    "list_audiences": "rfmkit.campaigns.audiences",
    "parse_ranges": "rfmkit.campaigns.audiences",
    "push_audience": "rfmkit.campaigns.audiences",
    "select_customers": "rfmkit.campaigns.audiences",
    "show_audience": "rfmkit.campaigns.audiences",
    "CampaignInfo": "rfmkit.campaigns.campaign",
    "campaign_assignments": "rfmkit.campaigns.campaign",
    "campaign_history": "rfmkit.campaigns.campaign",
    "create_campaign": "rfmkit.campaigns.campaign",
    "measure_campaign": "rfmkit.campaigns.campaign",
    "show_campaign": "rfmkit.campaigns.campaign",
    "normalise_email": "rfmkit.campaigns.contacts",
    "normalise_phone": "rfmkit.campaigns.contacts",
    "prepare_contacts": "rfmkit.campaigns.contacts",
    "sha256_hex": "rfmkit.campaigns.contacts",
    "assign_holdout": "rfmkit.campaigns.holdout",
    "hash_unit": "rfmkit.campaigns.holdout",
    "hash_unit_text": "rfmkit.campaigns.holdout",
    "parse_share": "rfmkit.campaigns.holdout",
    "LIFECYCLE_STAGE": "rfmkit.campaigns.lifecycle",
    "STAGES": "rfmkit.campaigns.lifecycle",
    "LifecycleOptions": "rfmkit.campaigns.lifecycle",
    "lifecycle_stage": "rfmkit.campaigns.lifecycle",
    "onboarding_action": "rfmkit.campaigns.lifecycle",
    "stage_label": "rfmkit.campaigns.lifecycle",
    "stage_summary": "rfmkit.campaigns.lifecycle",
    "with_onboarding_action": "rfmkit.campaigns.lifecycle",
    "MEASURE_COLUMNS": "rfmkit.campaigns.measure",
    "responses": "rfmkit.campaigns.measure",
    "group_warning": "rfmkit.campaigns.stats",
    "min_detectable_effect": "rfmkit.campaigns.stats",
    "roi": "rfmkit.campaigns.stats",
    "two_proportion_test": "rfmkit.campaigns.stats",
    "welch_test": "rfmkit.campaigns.stats",
    "add_suppressions": "rfmkit.campaigns.suppression",
    "apply_suppression": "rfmkit.campaigns.suppression",
    "suppression_list": "rfmkit.campaigns.suppression",
}

if TYPE_CHECKING:
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
    from rfmkit.campaigns.measure import MEASURE_COLUMNS, responses
    from rfmkit.campaigns.stats import (
        group_warning,
        min_detectable_effect,
        roi,
        two_proportion_test,
        welch_test,
    )
    from rfmkit.campaigns.suppression import add_suppressions, apply_suppression, suppression_list


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rfmkit.campaigns' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


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
