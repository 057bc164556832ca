"""Texts of the history analyses and alert reasons (keys used as ``history.<key>``).

Reason texts are templates filled in inside the engine (:mod:`rfmkit.history.render`).
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "new": {"zh": "新出现", "en": "New"},
    "left": {"zh": "已离开", "en": "Left"},
    "direction.up": {"zh": "升级", "en": "Upgraded"},
    "direction.down": {"zh": "降级", "en": "Downgraded"},
    "direction.stable": {"zh": "不变", "en": "Stable"},
    "direction.new": {"zh": "新出现", "en": "New"},
    "direction.left": {"zh": "已离开", "en": "Left"},
    # default reasons of the rule kinds; placeholders as documented in rfmkit.history.rules
    "reason.silent": {
        "zh": "曾是「{segment_label}」，已 {recency_days} 天未购买（阈值 {days} 天）",
        "en": "Was {segment_label}; no purchase for {recency_days} days (limit {days})",
    },
    "reason.fell": {
        "zh": "从「{from_label}」降到「{to_label}」，下降 {steps} 级",
        "en": "Fell from {from_label} to {to_label}, {steps} levels down",
    },
    "reason.p_alive": {
        "zh": "活跃概率从 {previous_p_alive} 降到 {p_alive}（低于 {below}）",
        "en": "Probability of being active fell from {previous_p_alive} to {p_alive} (below {below})",
    },
    "reason.segment_size": {
        "zh": "「{label}」客户数从 {from_customers} 变为 {to_customers}（{change}%）",
        "en": "{label}: {from_customers} -> {to_customers} customers ({change}%)",
    },
}
