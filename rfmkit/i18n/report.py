"""Texts of the charts and the HTML report (keys are used as ``report.<key>``)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # -- report frame
    "report.title": {"zh": "客户价值报告", "en": "Customer value report"},
    "report.subtitle": {
        "zh": "分析日期 {as_of} · 数据 {start} 至 {end} · 由 rfmkit {version} 生成",
        "en": "Analysis date {as_of} · data {start} to {end} · made by rfmkit {version}",
    },
    "report.contents": {"zh": "目录", "en": "Contents"},
    "report.offline": {
        "zh": "本文件自带全部图表代码，可离线打开、转发和打印。",
        "en": "This file holds everything it shows: it opens offline, forwards and prints.",
    },
    # -- sections
    "section.key_figures": {"zh": "关键数字", "en": "Key figures"},
    "section.method": {"zh": "评分方法", "en": "How scores were made"},
    "section.value_map": {"zh": "价值地图", "en": "Value map"},
    "section.distributions": {"zh": "R、F、M 分布", "en": "R, F and M distributions"},
    "section.segments": {"zh": "客户分群", "en": "Segments"},
    "section.pareto": {"zh": "收入集中度", "en": "Revenue concentration"},
    "section.segment_table": {"zh": "分群明细与建议", "en": "Segment table and actions"},
    "section.history": {"zh": "历史变化", "en": "History"},
    "section.campaigns": {"zh": "营销活动效果", "en": "Campaigns against their holdout"},
    "section.predictions": {"zh": "预测", "en": "Predictions"},
    "section.record": {"zh": "附录：运行记录", "en": "Appendix: run record"},
    # -- key figures
    "kpi.customers": {"zh": "客户数", "en": "Customers"},
    "kpi.revenue": {"zh": "收入", "en": "Revenue"},
    "kpi.orders": {"zh": "订单数", "en": "Orders"},
    "kpi.date_range": {"zh": "数据区间", "en": "Date range"},
    "kpi.as_of": {"zh": "分析日期", "en": "Analysis date"},
    "kpi.avg_order_value": {"zh": "客单价", "en": "Average order value"},
    "kpi.unscored": {
        "zh": "另有 {n} 位客户没有正金额订单，未参与评分。",
        "en": "{n} more customers have no order of positive amount and were not scored.",
    },
    "quality.title": {"zh": "数据质量", "en": "Data quality"},
    "quality.rows": {
        "zh": "读取 {read} 行，使用 {used} 行，剔除 {left} 行。",
        "en": "{read} rows read, {used} used, {left} left out.",
    },
    "quality.rule": {"zh": "规则", "en": "Rule"},
    "quality.action": {"zh": "处理", "en": "Action"},
    "quality.count": {"zh": "行数", "en": "Rows"},
    "quality.share": {"zh": "占比", "en": "Share"},
    "quality.checked": {
        "zh": "另外检查了以下规则，没有行受影响：{rules}。",
        "en": "Also checked, with no row affected: {rules}.",
    },
    "quality.none": {
        "zh": "所有规则都检查过，没有行被剔除。",
        "en": "Every rule was checked; no row was left out.",
    },
    # -- method
    "method.scores": {
        "zh": "每位客户按 R（最近一次购买）、F（购买频次）、M（消费金额）各打 1–{levels} 分，"
        "分数越高越好；分段方法：{method}。",
        "en": "Each customer gets a score of 1–{levels} for R (recency), F (frequency) "
        "and M (monetary), higher is better; method: {method}.",
    },
    "method.quantile": {"zh": "按分位数等分", "en": "quantiles"},
    "method.thresholds": {"zh": "按给定阈值", "en": "given thresholds"},
    "method.weights": {
        "zh": "综合分 rfm_score 的权重：R × {r}，F × {f}，M × {m}。",
        "en": "Weights of the composite rfm_score: R × {r}, F × {f}, M × {m}.",
    },
    "method.scheme": {
        "zh": "分群方案：{name}（{key}）。{description}",
        "en": "Segment scheme: {name} ({key}). {description}",
    },
    "method.splits": {
        "zh": "“高”的分界（{split}）：R {r}，F {f}，M {m}。",
        "en": "Where “high” starts ({split}): R {r}, F {f}, M {m}.",
    },
    "method.score": {"zh": "分数", "en": "Score"},
    "metric.recency_days": {"zh": "距上次购买天数", "en": "Days since last purchase"},
    "metric.frequency": {"zh": "订单数", "en": "Orders"},
    "metric.monetary": {"zh": "消费金额", "en": "Spend"},
    "unit.days": {"zh": "{x} 天", "en": "{x} days"},
    "unit.orders": {"zh": "{x} 单", "en": "{x} orders"},
    "range.any": {"zh": "全部", "en": "any"},
    # -- charts
    "chart.value_map": {
        "zh": "价值地图：R × F，颜色为平均消费金额",
        "en": "Value map: R × F, coloured by mean spend",
    },
    "chart.r_distribution": {"zh": "R：距上次购买天数分布", "en": "R: days since last purchase"},
    "chart.f_distribution": {"zh": "F：订单数分布", "en": "F: orders per customer"},
    "chart.m_distribution": {"zh": "M：消费金额分布", "en": "M: spend per customer"},
    "chart.segment_treemap": {"zh": "各分群客户数", "en": "Customers per segment"},
    "chart.segment_share": {
        "zh": "各分群的客户占比与收入占比",
        "en": "Share of customers and of revenue",
    },
    "chart.pareto": {
        "zh": "收入集中度（帕累托曲线）",
        "en": "Revenue concentration (Pareto curve)",
    },
    "chart.migration": {
        "zh": "分群迁移：{start} → {end}",
        "en": "Segment migration: {start} → {end}",
    },
    "chart.trend": {"zh": "各分群客户数趋势", "en": "Customers per segment over time"},
    "chart.p_alive_matrix": {
        "zh": "仍活跃概率：订单数 × 距上次购买天数",
        "en": "P(alive): orders × days since last purchase",
    },
    "chart.p_alive_one_time": {
        "zh": "只买过一次的客户：仍活跃概率随时间变化",
        "en": "One-time buyers: P(alive) by days since their purchase",
    },
    "chart.clv_distribution": {
        "zh": "客户终身价值（CLV）分布",
        "en": "Customer lifetime value (CLV)",
    },
    "chart.calibration": {
        "zh": "模型检验：检验期人均复购，预测与实际",
        "en": "Model check: holdout purchases per customer, predicted vs actual",
    },
    "chart.at_risk": {"zh": "流失风险最高的重要客户", "en": "Valuable customers most at risk"},
    "axis.r_score": {"zh": "R 分（越高越近）", "en": "R score (higher = more recent)"},
    "axis.f_score": {"zh": "F 分（越高越频繁）", "en": "F score (higher = more often)"},
    "axis.customers": {"zh": "客户数", "en": "Customers"},
    "axis.revenue": {"zh": "收入", "en": "Revenue"},
    "axis.mean_monetary": {"zh": "平均消费", "en": "Mean spend"},
    "axis.share": {"zh": "占比 (%)", "en": "Share (%)"},
    "axis.customer_pct": {
        "zh": "客户（按消费从高到低，%）",
        "en": "Customers, by spend high to low (%)",
    },
    "axis.revenue_pct": {"zh": "累计收入占比 (%)", "en": "Cumulative share of revenue (%)"},
    "axis.p_alive": {"zh": "仍活跃概率", "en": "P(alive)"},
    "axis.clv": {"zh": "CLV", "en": "CLV"},
    "axis.date": {"zh": "日期", "en": "Date"},
    "axis.repeat_purchases": {"zh": "复购次数", "en": "Repeat purchases"},
    "axis.value_at_stake": {"zh": "历史消费（风险金额）", "en": "Spend to date (value at stake)"},
    "legend.customers": {"zh": "客户占比", "en": "Customers"},
    "legend.revenue": {"zh": "收入占比", "en": "Revenue"},
    "legend.breakpoints": {"zh": "评分分界", "en": "Score breakpoints"},
    "legend.actual": {"zh": "实际", "en": "Actual"},
    "legend.predicted": {"zh": "预测", "en": "Predicted"},
    "legend.calibration_end": {"zh": "检验期开始", "en": "Holdout starts"},
    "legend.more": {"zh": "{x} 及以上", "en": "{x} or more"},
    "legend.other": {"zh": "其他", "en": "Other"},
    "pareto.point": {
        "zh": "前 {top}% 客户 → {share}% 收入",
        "en": "Top {top}% → {share}% of revenue",
    },
    "pareto.even": {"zh": "完全平均", "en": "Even spread"},
    "hover.customers": {"zh": "客户数", "en": "Customers"},
    # -- segment table
    "table.segment": {"zh": "分群", "en": "Segment"},
    "table.customers": {"zh": "客户数", "en": "Customers"},
    "table.customers_pct": {"zh": "客户占比", "en": "Share"},
    "table.revenue": {"zh": "收入", "en": "Revenue"},
    "table.revenue_pct": {"zh": "收入占比", "en": "Revenue share"},
    "table.mean_recency_days": {"zh": "平均 R（天）", "en": "Mean R (days)"},
    "table.mean_frequency": {"zh": "平均 F（单）", "en": "Mean F (orders)"},
    "table.mean_monetary": {"zh": "平均 M", "en": "Mean M"},
    "table.action": {"zh": "建议动作", "en": "Recommended action"},
    # -- predictions
    "pred.summary": {
        "zh": "模型 {model}，预测期 {horizon} 天。{at_risk} 位重要客户有流失风险，"
        "他们累计消费 {revenue}。",
        "en": "Model {model}, horizon {horizon} days. {at_risk} valuable customers are at "
        "risk; they have spent {revenue} so far.",
    },
    "pred.validation": {
        "zh": "检验期（{start} 至 {end}）复购总数：预测 {predicted}，实际 {actual}（误差 {error}%）。",
        "en": "Holdout ({start} to {end}) repeat purchases: predicted {predicted}, "
        "actual {actual} (error {error}%).",
    },
    "pred.bgnbd_note": {
        "zh": "BG/NBD 模型假设客户首次复购前不会流失，因此只买过一次的客户仍活跃概率恒为 1；"
        "想看他们何时需要挽回，请用 Pareto/NBD 或 MBG/NBD 模型。",
        "en": "BG/NBD assumes no customer leaves before a first repeat purchase, so one-time "
        "buyers always show P(alive) = 1; use the Pareto/NBD or MBG/NBD model to see when "
        "to win them back.",
    },
    "pred.no_validation": {"zh": "没有模型检验：{note}", "en": "No model check: {note}"},
    "risk.customer": {"zh": "客户", "en": "Customer"},
    "risk.segment": {"zh": "分群", "en": "Segment"},
    "risk.monetary": {"zh": "历史消费", "en": "Spend to date"},
    "risk.p_alive": {"zh": "仍活跃概率", "en": "P(alive)"},
    "risk.clv": {"zh": "CLV", "en": "CLV"},
    "risk.recency": {"zh": "距上次购买", "en": "Last purchase"},
    "risk.none": {"zh": "没有处于流失风险的重要客户。", "en": "No valuable customer is at risk."},
    # -- history
    "history.note": {
        "zh": "客户数按分群统计；迁移图显示两次快照之间客户从哪个分群移到哪个分群。",
        "en": "Customers per segment; the migration chart shows where customers moved "
        "between two snapshots.",
    },
    "record.note": {
        "zh": "本次运行的设置与输入，可用于复现。",
        "en": "The settings and inputs of this run, to reproduce it.",
    },
}
