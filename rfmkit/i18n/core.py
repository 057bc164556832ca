"""Texts of the CLI, the data-quality report and the run's messages."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # segment summary table
    "col.segment": {"zh": "分群", "en": "Segment"},
    "col.customers": {"zh": "客户数", "en": "Customers"},
    "col.customers_pct": {"zh": "客户占比", "en": "% cust."},
    "col.revenue": {"zh": "收入", "en": "Revenue"},
    "col.revenue_pct": {"zh": "收入占比", "en": "% rev."},
    "col.mean_recency_days": {"zh": "平均R天数", "en": "Mean R days"},
    "col.mean_frequency": {"zh": "平均频次", "en": "Mean F"},
    "col.mean_monetary": {"zh": "平均金额", "en": "Mean M"},
    "col.action": {"zh": "建议动作", "en": "Action"},
    "col.score": {"zh": "得分", "en": "Score"},
    "summary.title": {"zh": "{scheme} · 分析日 {as_of}", "en": "{scheme} · as of {as_of}"},
    "breakpoints.title": {
        "zh": "得分区间（{method}，{levels} 级）",
        "en": "Breakpoints ({method}, {levels} levels)",
    },
    "method.quantile": {"zh": "分位数", "en": "quantile"},
    "method.thresholds": {"zh": "业务阈值", "en": "thresholds"},
    "metric.recency_days": {"zh": "最近购买天数", "en": "recency_days"},
    "metric.frequency": {"zh": "购买次数", "en": "frequency"},
    "metric.monetary": {"zh": "消费金额", "en": "monetary"},
    "pareto.sentence": {
        "zh": "前 {percent}% 的客户（{customers} 人）贡献了 {share}% 的收入",
        "en": "Top {percent}% of customers ({customers}) bring {share}% of revenue",
    },
    "score.done": {
        "zh": "已为 {customers} 位客户评分，分析日 {as_of}",
        "en": "Scored {customers} customers as of {as_of}",
    },
    "score.unscored": {
        "zh": "；{customers} 位客户没有金额为正的订单，未评分",
        "en": "; {customers} customers had no order with a positive amount and were not scored",
    },
    "wrote": {"zh": "已写入 {path}", "en": "Wrote {path}"},
    "warning": {"zh": "注意：{text}", "en": "Warning: {text}"},
    # progress
    "step.load": {"zh": "读取交易数据", "en": "Reading transactions"},
    "step.metrics": {"zh": "计算 R、F、M", "en": "Computing recency, frequency, monetary"},
    "step.scores": {"zh": "评分与分群", "en": "Scoring and segmenting"},
    "step.summary": {"zh": "汇总分群", "en": "Summarising segments"},
    "step.merge": {"zh": "合并新数据", "en": "Merging the new rows"},
    "step.predict": {"zh": "预测", "en": "Predicting"},
    "step.build model inputs": {"zh": "整理模型输入", "en": "Building the model inputs"},
    "step.fit purchase model": {"zh": "拟合购买模型", "en": "Fitting the purchase model"},
    "step.fit spend model": {"zh": "拟合消费金额模型", "en": "Fitting the spend model"},
    "step.validate": {"zh": "留出期检验", "en": "Checking the model on the holdout"},
    "step.join predictions": {"zh": "合并预测结果", "en": "Joining the predictions"},
    "step.save": {"zh": "写出结果", "en": "Writing the results"},
    "step.report": {"zh": "绘制报告", "en": "Drawing the report"},
    "step.demo": {"zh": "生成演示订单", "en": "Generating the demo order log"},
    "step.done": {"zh": "{step}：{seconds} 秒", "en": "{step}: {seconds} s"},
    # split warnings
    "split.empty_side": {
        "zh": "按{split}划分时，所有客户的{metric}都落在同一侧（{side}），相关分群为空；"
        "可改用 --split mean 或 --method thresholds。",
        "en": "With the {split} split every customer is on the {side} side of {metric}, "
        "so the segments needing the other side are empty; try --split mean or --method thresholds.",
    },
    "split.mean": {"zh": "平均值", "en": "mean"},
    "split.median": {"zh": "中位数", "en": "median"},
    "side.high": {"zh": "高", "en": "high"},
    "side.low": {"zh": "低", "en": "low"},
    "as_of.far": {
        "zh": "分析日 {as_of} 比最后一笔订单（{latest}）晚 {days} 天：所有客户的 R 都会偏低。",
        "en": "The analysis date {as_of} is {days} days after the last order ({latest}): "
        "every customer will look long inactive.",
    },
    # data-quality report
    "quality.rows": {
        "zh": "读取行数：{read}  使用：{used}  客户数：{customers}",
        "en": "Rows read: {read}  used: {used}  customers: {customers}",
    },
    "quality.source": {
        "zh": "  {name}：读取 {read}，使用 {used}",
        "en": "  {name}: read {read}, used {used}",
    },
    "quality.dates": {"zh": "日期：{first} 至 {last}", "en": "Dates: {first} to {last}"},
    "quality.amount": {
        "zh": "金额：合计 {total}，平均 {mean}",
        "en": "Amount: total {total}, mean {mean}",
    },
    "quality.rule": {
        "zh": "  {rule}：{count} 行（{share}）{action} — {description}{where}",
        "en": "  {rule}: {count} rows ({share}) {action} — {description}{where}",
    },
    "quality.example": {"zh": "；例如 {file} 第 {line} 行", "en": "; e.g. {file} line {line}"},
    "action.excluded": {"zh": "已排除", "en": "excluded"},
    "action.quarantined": {"zh": "已隔离", "en": "quarantined"},
    "action.dropped": {"zh": "已去除", "en": "dropped"},
    "action.info": {"zh": "仅提示", "en": "info"},
    "rule.implausible_date": {
        "zh": "日期早于 min_date 或晚于 2100-01-01（占位日期）",
        "en": "date before min_date or after 2100-01-01",
    },
    "rule.implausible_amount": {
        "zh": "金额绝对值超过 1e15（输入错误或占位值）",
        "en": "amount beyond ±1e15: a typo or a placeholder",
    },
    "rule.undecodable_line": {
        "zh": "该行不是文件编码下的有效文本",
        "en": "the line is not valid text in the file's encoding",
    },
    "rule.missing_customer": {"zh": "缺少客户ID", "en": "no customer id"},
    "rule.unparsable_date": {"zh": "日期无法识别", "en": "the date cannot be read"},
    "rule.unparsable_amount": {"zh": "金额无法识别", "en": "the amount cannot be read"},
    "rule.excluded_customer": {
        "zh": "客户ID匹配排除规则",
        "en": "customer id matches the exclude pattern",
    },
    "rule.duplicate": {"zh": "与之前某行完全重复", "en": "exact duplicate of an earlier row"},
    "rule.after_as_of": {"zh": "日期不早于分析日", "en": "dated on or after the as-of date"},
    "rule.future_date": {"zh": "日期晚于今天", "en": "dated after today"},
    "rule.outlier": {"zh": "金额超出异常值界限", "en": "amount outside the outlier limits"},
    "rule.refunds": {
        "zh": "负金额（退款），从客户总额中扣除",
        "en": "negative amounts, netted against the customer's total",
    },
    # predict
    "predict.done": {
        "zh": "已预测 {customers} 位客户，分析日 {as_of}，预测未来 {days} 天（{model}：{params}）。",
        "en": "Predicted {customers} customers as of {as_of}, {days} days ahead ({model}: {params}).",
    },
    "predict.holdout": {
        "zh": "留出期检验（{start} 至 {end}）：预测复购 {predicted} 次，实际 {actual} 次（{error}%）。",
        "en": "Holdout check ({start} to {end}): predicted {predicted} repeat purchases, "
        "actual {actual} ({error}%).",
    },
    "predict.at_risk": {
        "zh": "流失预警：{customers} 位高价值客户（M 得分最高两档）的存活概率低于 {p}，"
        "累计贡献收入 {revenue}（churn_risk 列）。",
        "en": "Churn warning: {customers} valuable customers (top M scores) have "
        "p_alive < {p}; they brought {revenue} in revenue (column churn_risk).",
    },
    # demo
    "demo.files": {
        "zh": "演示文件在 {folder}/：\n"
        "  orders.csv      生成的订单（输入）\n"
        "  customers.csv   每位客户一行：R、F、M、得分、分群\n"
        "  segments.csv    分群汇总\n"
        "  quality.json    数据质量报告\n"
        "  report.html     图文报告（离线可打开）",
        "en": "Demo files in {folder}/:\n"
        "  orders.csv      the generated order log (input)\n"
        "  customers.csv   one row per customer: R, F, M, scores, segment\n"
        "  segments.csv    the segment summary\n"
        "  quality.json    the data-quality report\n"
        "  report.html     the report with charts (opens offline)",
    },
    "demo.try": {"zh": "试试：{command}", "en": "Try: {command}"},
    # lifecycle stages and campaigns (rfmkit.campaigns)
    "lifecycle.new": {"zh": "新客", "en": "New"},
    "lifecycle.active": {"zh": "活跃", "en": "Active"},
    "lifecycle.reactivated": {"zh": "回流", "en": "Reactivated"},
    "lifecycle.at_risk": {"zh": "有流失风险", "en": "At risk"},
    "lifecycle.lapsed": {"zh": "已流失", "en": "Lapsed"},
    "lifecycle.insufficient_data": {"zh": "数据不足", "en": "Insufficient data"},
    "lifecycle.action.new": {
        "zh": "新客培育：欢迎礼与首单关怀，引导第二次购买（不按流失或低价值客户对待）",
        "en": "Onboard: a welcome offer and first-order care, then a nudge towards a second "
        "purchase (not treated as lost or low value)",
    },
    "lifecycle.action.active": {
        "zh": "保持互动：会员权益与新品推荐，培养复购习惯",
        "en": "Keep engaged: member benefits and new products, build the repeat habit",
    },
    "lifecycle.action.reactivated": {
        "zh": "巩固回流：回归关怀与复购激励，防止再次流失",
        "en": "Secure the return: a welcome back and a repeat-purchase incentive",
    },
    "lifecycle.action.at_risk": {
        "zh": "及时挽留：在流失前提醒并提供有针对性的优惠",
        "en": "Win back early: a reminder and a targeted offer before they lapse",
    },
    "lifecycle.action.lapsed": {
        "zh": "召回：召回短信或大额优惠券；测算成本，必要时放弃",
        "en": "Win back: a win-back message or a strong coupon; weigh the cost, or let go",
    },
    "lifecycle.action.insufficient_data": {
        "zh": "数据不足：先积累购买记录再判断",
        "en": "Not enough history yet: wait for more purchases before judging",
    },
    "step.lifecycle": {"zh": "判断生命周期阶段", "en": "Judging lifecycle stages"},
    "stages.title": {"zh": "生命周期阶段", "en": "Lifecycle stages"},
    "col.stage": {"zh": "阶段", "en": "Stage"},
    "campaign.overall": {"zh": "全部", "en": "All"},
    "campaign.mde": {
        "zh": "实验组 {treatment} 人、对照组 {control} 人：只能检出至少 {mde} 个百分点的响应率差异"
        "（α=0.05，功效 80%，基准响应率 {baseline}%）；请扩大对照组或受众。",
        "en": "With {treatment} treated and {control} held out, only a difference in response "
        "rate of at least {mde} percentage points can be detected (alpha 0.05, power 80%, "
        "baseline {baseline}%); enlarge the holdout or the audience.",
    },
    "campaign.too_small": {
        "zh": "实验组 {treatment} 人、对照组 {control} 人：每组至少需要 2 人才能检验效果。",
        "en": "With {treatment} treated and {control} held out no effect can be tested: "
        "each group needs at least 2 customers.",
    },
    "step.measure": {"zh": "测算活动效果", "en": "Measuring the campaign"},
    "campaigns.col.treated": {"zh": "实验组", "en": "Treated"},
    "campaigns.col.control": {"zh": "对照组", "en": "Control"},
    "campaigns.col.rate_t": {"zh": "实验组响应率", "en": "Resp. T"},
    "campaigns.col.rate_c": {"zh": "对照组响应率", "en": "Resp. C"},
    "campaigns.col.lift": {"zh": "提升(百分点)", "en": "Lift pp"},
    "campaigns.col.relative": {"zh": "相对提升", "en": "Rel. lift"},
    "campaigns.col.p": {"zh": "p 值", "en": "p"},
    "campaigns.col.ci": {"zh": "95%区间(百分点)", "en": "95% CI pp"},
    "campaigns.col.incremental": {"zh": "增量收入", "en": "Incr. revenue"},
    "campaigns.col.roi": {"zh": "ROI", "en": "ROI"},
    "campaigns.col.measured_at": {"zh": "测算时间", "en": "Measured at"},
    "campaigns.measured.title": {
        "zh": "{name} · 发送日 {send_date} · 观察 {window} 天",
        "en": "{name} · sent {send_date} · {window}-day window",
    },
    "campaigns.measured.note": {
        "zh": "响应 = 窗口内有金额为正的订单；提升 = 实验组响应率 − 对照组响应率（双比例 z 检验）；"
        "ROI = (增量收入 × 毛利率 − 成本) / 成本。",
        "en": "Response = an order of positive amount in the window; lift = treated minus "
        "control response rate (two-proportion z-test); ROI = (incremental revenue x margin "
        "- cost) / cost.",
    },
    "campaigns.external": {"zh": "外部活动", "en": "External campaign"},
    "campaigns.history.title": {"zh": "{name} 的测算记录", "en": "Measurements of {name}"},
    "campaigns.created": {
        "zh": "已创建活动 {name}（受众 {audience}）：实验组 {treatment} 人，对照组 {control} 人，"
        "全局对照组排除 {excluded} 人",
        "en": "Created campaign {name} on {audience}: {treatment} treated, {control} held out, "
        "{excluded} in the global control group",
    },
    "campaigns.mde": {
        "zh": "最小可检出效果：{mde} 个百分点（α=0.05，功效 80%，基准响应率 {baseline}%）",
        "en": "Minimum detectable effect: {mde} percentage points (alpha 0.05, power 80%, "
        "baseline response {baseline}%)",
    },
    "campaigns.audience": {
        "zh": "受众 {name}：{customers} 位客户，来自 {as_of} 的快照（已冻结）",
        "en": "Audience {name}: {customers} customers from the snapshot of {as_of} (frozen)",
    },
    "campaigns.filters": {"zh": "筛选条件：{filters}", "en": "Filters: {filters}"},
    "campaigns.member.segment": {"zh": "分群键", "en": "Segment key"},
    "campaigns.member.segment_label": {"zh": "分群", "en": "Segment"},
    "campaigns.member.lifecycle_stage": {"zh": "生命周期阶段", "en": "Lifecycle stage"},
    "campaigns.member.customers": {"zh": "客户数", "en": "Customers"},
    "campaigns.audiences.title": {"zh": "受众（{count} 个）", "en": "Audiences ({count})"},
    "campaigns.campaigns.title": {"zh": "活动（{count} 个）", "en": "Campaigns ({count})"},
    "campaigns.exported": {
        "zh": "已写入 {path}：{rows} 位客户",
        "en": "Wrote {path}: {rows} customers",
    },
    "campaigns.pushed": {
        "zh": "已推送 {sent} 位客户（{messages} 条消息）；{skipped} 位此前已推送，未重复发送",
        "en": "Pushed {sent} customers in {messages} messages; {skipped} sent before were not "
        "sent again",
    },
    "suppression.removed": {
        "zh": "已按退订/屏蔽名单移除 {count} 位客户",
        "en": "Removed {count} customers on the suppression list",
    },
    # rfmkit refresh
    "refresh.merged": {
        "zh": "读取 {read} 行：合并 {new} 行新数据，{duplicates} 行与此前载入的行完全重复已丢弃；"
        "重新计算 {touched} 位客户",
        "en": "Read {read} rows: merged {new} new rows, dropped {duplicates} exact duplicates "
        "of rows loaded before; recomputed {touched} customers",
    },
    "refresh.nothing": {
        "zh": "没有新数据行；按分析日 {as_of} 重新评分",
        "en": "No new rows; scores moved to as of {as_of}",
    },
    "refresh.watermark": {
        "zh": "水位线 {column} 已推进到 {value}",
        "en": "Watermark {column} now at {value}",
    },
    # errors
    "error": {"zh": "错误", "en": "Error"},
    "error.where": {"zh": "位置", "en": "Where"},
    "error.fix": {"zh": "处理", "en": "Fix"},
    "error.found": {"zh": "找到的列", "en": "Columns found"},
    "error.closest": {"zh": "最接近", "en": "Closest"},
    "internal_error": {
        "zh": "rfmkit 内部错误：{error}。这是 rfmkit 的缺陷，不是您的数据问题；"
        "请设置 RFMKIT_DEBUG=1 重新运行并把输出报告给开发者。",
        "en": "Internal error of rfmkit: {error}. This is a bug, not a problem with your "
        "data; run again with RFMKIT_DEBUG=1 and report the output.",
    },
    "interrupted": {"zh": "已中断。", "en": "Interrupted."},
}
