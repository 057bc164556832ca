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
    # the history commands (rfmkit snapshot, history, migration, trend, customer, alerts)
    "cli.store": {"zh": "快照库：{store}", "en": "Store: {store}"},
    "cli.saved": {
        "zh": "已保存快照 {as_of}：{customers} 位客户，收入 {revenue}",
        "en": "Saved the snapshot of {as_of}: {customers} customers, revenue {revenue}",
    },
    "cli.frozen": {
        "zh": "评分区间：沿用 {reference} 快照的区间（frozen）",
        "en": "Breakpoints: those of the snapshot of {reference} (frozen)",
    },
    "cli.refit": {
        "zh": "评分区间：每个快照重新计算（refit）",
        "en": "Breakpoints: fitted again for each snapshot (refit)",
    },
    "cli.empty": {
        "zh": "快照库中还没有快照：用 rfmkit snapshot 记录。",
        "en": "The store holds no snapshot yet: record one with rfmkit snapshot.",
    },
    "cli.snapshots": {"zh": "快照（{count} 个）", "en": "Snapshots ({count})"},
    "cli.deleted": {"zh": "已删除快照 {as_of}", "en": "Deleted the snapshot of {as_of}"},
    "cli.migration": {
        "zh": "分群迁移：{from_as_of} → {to_as_of}",
        "en": "Segment moves: {from_as_of} to {to_as_of}",
    },
    "cli.directions": {"zh": "升降级汇总", "en": "Up, down and stable"},
    "cli.chain": {
        "zh": "平均转移概率（{periods} 期）",
        "en": "Average transition probabilities ({periods} periods)",
    },
    "cli.projection": {"zh": "分群规模预测", "en": "Projected segment sizes"},
    "cli.trend": {"zh": "分群趋势", "en": "Segments over time"},
    "cli.customer": {"zh": "客户 {customer} 的历史", "en": "History of customer {customer}"},
    "cli.alerts": {"zh": "预警：{count} 条", "en": "Alerts: {count}"},
    "cli.delivered": {
        "zh": "{destination}：发送 {messages} 条消息，{skipped} 条预警此前已发送",
        "en": "{destination}: {messages} messages sent, {skipped} alerts delivered before",
    },
}
