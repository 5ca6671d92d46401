"""Texts of the monthly report in Chinese and English, and how values are written."""

from __future__ import annotations

METRIC = {
    "csat": {"zh": "满意度 CSAT（1–5）", "en": "CSAT (1–5)"},
    "csat_satisfied_pct": {"zh": "满意占比（4–5 分）", "en": "Satisfied (4–5)"},
    "nps": {"zh": "净推荐值 NPS", "en": "NPS"},
    "ces": {"zh": "费力度 CES（1–7，越高越省力）", "en": "CES (1–7, 7 = easy)"},
    "complaint_rate_pct": {"zh": "投诉率（每百次接触）", "en": "Complaint rate (per 100 contacts)"},
    "resolution_hours": {"zh": "平均解决时长", "en": "Mean resolution time"},
    "one_pass_pct": {"zh": "一次解决率", "en": "One-pass resolution"},
    "sla_pct": {"zh": "SLA 达成率", "en": "SLA compliance"},
    "first_response_s": {"zh": "首次响应时间", "en": "First response time"},
    "agent_first_response_s": {"zh": "人工首次响应时间", "en": "Agent first response"},
    "containment_pct": {"zh": "机器人独立解决率", "en": "Bot containment"},
    "handoff_pct": {"zh": "转人工率", "en": "Handoff rate"},
    "fcr_pct": {"zh": "首次接触解决率", "en": "First-contact resolution"},
    "repurchase_pct": {"zh": "复购率", "en": "Repurchase rate"},
    "churn_risk_pct": {"zh": "流失风险客户占比", "en": "Customers at churn risk"},
    "redemption_pct": {"zh": "积分兑换率", "en": "Points redemption rate"},
    "contacts": {"zh": "接触次数", "en": "Contacts"},
    "complaints": {"zh": "投诉数", "en": "Complaints"},
}

TEXT = {
    "title": {"zh": "Careline 月度服务报告", "en": "Careline monthly service report"},
    "period": {"zh": "统计期间 {first} 至 {last}，对比 {pfirst} 至 {plast}",
               "en": "{first} to {last}, compared with {pfirst} to {plast}"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "kpis": {"zh": "核心指标", "en": "Key figures"},
    "metric": {"zh": "指标", "en": "Metric"},
    "value": {"zh": "本月", "en": "This month"},
    "previous": {"zh": "上月", "en": "Previous month"},
    "change": {"zh": "变化", "en": "Change"},
    "target": {"zh": "目标（绿 / 黄）", "en": "Target (green / amber)"},
    "basis": {"zh": "样本数", "en": "Based on"},
    "trends": {"zh": "每周趋势", "en": "Weekly trends"},
    "matrix": {"zh": "地区 × 服务 满意度", "en": "Satisfaction by region and service"},
    "matrix_note": {"zh": "红色：满意度比上月下降 {pct}% 以上（两期各至少 {n} 份评价）",
                    "en": "Red: CSAT fell {pct}% or more against the previous month "
                          "(at least {n} answers in each)"},
    "complaints": {"zh": "投诉分布", "en": "Complaints"},
    "by_channel": {"zh": "按渠道", "en": "By channel"},
    "by_topic": {"zh": "按类型", "en": "By topic"},
    "voice": {"zh": "客户之声", "en": "Voice of the customer"},
    "pain": {"zh": "十大痛点", "en": "Top pain points"},
    "praise": {"zh": "好评关键词", "en": "What customers praise"},
    "mentions": {"zh": "提及次数", "en": "Mentions"},
    "quotes": {"zh": "原话摘录", "en": "In their words"},
    "pain_read": {"zh": "来自 {n} 条负面评价与投诉", "en": "from {n} negative comments and complaints"},
    "praise_read": {"zh": "来自 {n} 条正面评价", "en": "from {n} positive comments"},
    "none": {"zh": "本期没有数据", "en": "No data for this period"},
    "definitions": {"zh": "指标定义见 docs/dashboards.md。", "en": "Definitions: docs/dashboards.md."},
    "demo": {"zh": "演示数据：本数据库包含生成的演示活动",
             "en": "DEMO DATA: this database holds generated demo activity"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "region": {"zh": "地区", "en": "Region"},
    "service": {"zh": "服务", "en": "Service"},
    "channel": {"zh": "渠道", "en": "Channel"},
    "rate": {"zh": "投诉率", "en": "Rate"},
}
STATUS = {"green": {"zh": "达标", "en": "on target"}, "amber": {"zh": "接近", "en": "near"},
          "red": {"zh": "未达标", "en": "off target"}, None: {"zh": "无数据", "en": "no data"}}
VALUE_NAMES = {
    "moving": {"zh": "搬家", "en": "moving"}, "cleaning": {"zh": "保洁", "en": "cleaning"},
    "wechat": {"zh": "微信", "en": "WeChat"}, "web": {"zh": "网页", "en": "web"},
    "telegram": {"zh": "Telegram", "en": "Telegram"},
    "lateness": {"zh": "迟到/未上门", "en": "lateness"}, "damage": {"zh": "物品损坏", "en": "damage"},
    "quality": {"zh": "服务质量", "en": "quality"}, "attitude": {"zh": "服务态度", "en": "attitude"},
    "billing": {"zh": "费用", "en": "billing"}, "communication": {"zh": "沟通", "en": "communication"},
    "suggestion": {"zh": "建议", "en": "suggestion"}, "other": {"zh": "其他", "en": "other"},
}


def t(key: str, lang: str, **values: object) -> str:
    text = TEXT[key][lang]
    return text.format(**values) if values else text


def name_of(value: str, lang: str) -> str:
    """A dimension value as people read it ('' is "unknown")."""
    if not value:
        return TEXT["unknown"][lang]
    return VALUE_NAMES.get(value, {}).get(lang, value)


def fmt(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return "—"
    if unit == "pct":
        return f"{value:.1f}%"
    if unit == "hours":
        return f"{value:.1f} {'小时' if lang == 'zh' else 'h'}"
    if unit == "seconds":
        if value >= 90:
            return f"{value / 60:.1f} {'分钟' if lang == 'zh' else 'min'}"
        return f"{value:.0f} {'秒' if lang == 'zh' else 's'}"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:.2f}"


def fmt_change(change: float | None, change_pct: float | None, unit: str, lang: str) -> str:
    """Percentage points for rates, the relative change for everything else."""
    if change is None:
        return "—"
    arrow = "▲" if change > 0 else "▼" if change < 0 else "＝"
    if unit in ("pct", "points"):
        suffix = " 个百分点" if lang == "zh" and unit == "pct" else " pt" if unit == "pct" else ""
        return f"{arrow} {abs(change):.1f}{suffix}"
    if change_pct is None:
        return f"{arrow} {abs(change):.2f}"
    return f"{arrow} {abs(change_pct):.1f}%"
