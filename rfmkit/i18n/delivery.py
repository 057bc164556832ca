"""Texts of alert messages to webhooks and robots (keys used as ``delivery.<key>``)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "title": {"zh": "客户流失预警", "en": "Customer churn alerts"},
    "title_count": {"zh": "客户流失预警({count} 条)", "en": "Customer churn alerts ({count})"},
    "owner_heading": {
        "zh": "负责人:{owner}{mention}({count} 位客户,风险金额 {value})",
        "en": "Owner: {owner}{mention} ({count} customers, {value} at stake)",
    },
    "unassigned": {"zh": "未分配", "en": "Unassigned"},
    "alert_line": {
        "zh": "客户 {customer}:{reason}(风险金额 {value})",
        "en": "Customer {customer}: {reason} ({value} at stake)",
    },
    "digest_title": {"zh": "客户流失预警汇总", "en": "Customer churn alerts digest"},
    "digest_intro": {
        "zh": "共 {count} 条预警,风险金额合计 {value};预警过多,按负责人汇总如下。完整清单请运行 `rfmkit alerts -o FILE`。",
        "en": "{count} alerts, {value} at stake in total; too many to list one by one, so here they are by owner. Run `rfmkit alerts -o FILE` for the full list.",
    },
    "digest_line": {
        "zh": "{owner}{mention}:{count} 位客户,风险金额 {value}",
        "en": "{owner}{mention}: {count} customers, {value} at stake",
    },
    "digest_more": {"zh": "……另有 {count} 位负责人", "en": "... and {count} more owners"},
    "follow_up": {
        "zh": "请以上负责人跟进各自的预警客户。",
        "en": "Owners above: please follow up your customers.",
    },
}
