"""What the booking actions say, in Chinese and English.

The defaults live here so a script without ``booking.texts`` still speaks well; any key
can be replaced in the script (``booking.texts.full: {zh: ..., en: ...}``), and the
checker rejects unknown keys, so a typo does not silently keep the default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

_ZH_WEEKDAYS = "一二三四五六日"
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

DEFAULTS: dict[str, dict[str, str]] = {
    # why a day or time cannot be booked
    "past": {"zh": "{date}已经过去了，请选择今天或以后的日期。",
             "en": "{date} is in the past; please pick today or a later day."},
    "too_far": {"zh": "{service}目前只能预约 {days} 天以内的日期（最晚 {last}）。",
                "en": "{service} can be booked up to {days} days ahead (until {last})."},
    "closed": {"zh": "{date}不提供{service}服务。", "en": "We don't do {service} on {date}."},
    "too_soon": {"zh": "{date}{slot}已经来不及安排了（{service}需至少提前 {hours} 小时预约）。",
                 "en": "{date} {slot} is too soon to arrange ({service} needs {hours} hours' "
                       "notice)."},
    "full": {"zh": "{date}{slot}已经约满了。", "en": "{date} {slot} is fully booked."},
    "day_full": {"zh": "{date}已经约满了。", "en": "{date} is fully booked."},
    "no_slot": {"zh": "{service}没有这个时段。", "en": "{service} has no such time."},
    "taken": {"zh": "抱歉，{date}{slot}的最后一组师傅刚刚被约走了。",
              "en": "Sorry, the last crew for {date} {slot} was just taken."},
    "alternatives": {"zh": "最近可约：{options}", "en": "Nearest free times: {options}"},
    "no_alternatives": {"zh": "近期都已约满，您可以换个日期，或输入“转人工”让客服为您安排。",
                        "en": "We're fully booked for a while; try another day, or type "
                              "\"human\" and an agent will help."},
    "same_time": {"zh": "新时间和原来的预约一样，请选择别的时间。",
                  "en": "That's the time you already have; please pick another."},
    "unavailable": {"zh": "抱歉，预约系统暂时不可用，请稍后再试或输入“转人工”。",
                    "en": "Sorry, booking is unavailable right now; try again later or type "
                          "\"human\"."},
    # summary lines
    "line_id": {"zh": "预约号：{value}", "en": "Booking: {value}"},
    "line_service": {"zh": "服务：{value}", "en": "Service: {value}"},
    "line_time": {"zh": "时间：{value}", "en": "Time: {value}"},
    "line_address": {"zh": "地址：{value}", "en": "Address: {value}"},
    "line_phone": {"zh": "电话：{value}", "en": "Phone: {value}"},
    "line_price": {"zh": "价格：{value}", "en": "Price: {value}"},
    "line_requests": {"zh": "特别要求：{value}", "en": "Special requests: {value}"},
    "line_status": {"zh": "状态：{value}", "en": "Status: {value}"},
    "line_note": {"zh": "备注：{value}", "en": "Note: {value}"},
    "moving_address": {"zh": "{from_address} → {to_address}", "en": "{from_address} → {to_address}"},
    # status in words
    "status_confirmed": {"zh": "已确认，等待上门", "en": "confirmed, waiting for the day"},
    "status_on_the_way": {"zh": "师傅已出发", "en": "the crew is on the way"},
    "status_in_progress": {"zh": "服务进行中", "en": "in progress"},
    "status_completed": {"zh": "已完成", "en": "completed"},
    "status_cancelled": {"zh": "已取消", "en": "cancelled"},
    "eta": {"zh": "，预计 {eta} 到达", "en": ", expected at {eta}"},
    "status_push": {"zh": "您的预约 {id}（{when}）：{status}{eta}。",
                    "en": "Your booking {id} ({when}): {status}{eta}."},
    "cancelled_push": {"zh": "您的预约 {id}（{when}）已取消。如有疑问请直接回复。",
                       "en": "Your booking {id} ({when}) has been cancelled. Reply here with "
                             "any questions."},
    # reschedule / cancel terms
    "reschedule_free": {"zh": "距离上门还有 {hours} 小时，可以免费改期。",
                        "en": "There are {hours} hours to go, so rescheduling is free."},
    "reschedule_fee": {"zh": "距离上门已不足 {limit} 小时，改期需收取订单金额的 {pct}%{amount}。",
                       "en": "It's less than {limit} hours before the visit, so rescheduling "
                             "costs {pct}% of the price{amount}."},
    "reschedule_refused": {"zh": "距离上门已不足 {limit} 小时，无法在线改期。如需帮助请输入“转人工”。",
                           "en": "It's less than {limit} hours before the visit, so it can't be "
                                 "rescheduled online. Type \"human\" for help."},
    "cancel_free": {"zh": "距离上门还有 {hours} 小时，可以免费取消。",
                    "en": "There are {hours} hours to go, so cancelling is free."},
    "cancel_fee": {"zh": "距离上门已不足 {limit} 小时，取消需收取订单金额的 {pct}%{amount}。",
                   "en": "It's less than {limit} hours before the visit, so cancelling costs "
                         "{pct}% of the price{amount}."},
    "cancel_refused": {"zh": "距离上门已不足 {limit} 小时，无法在线取消。如需帮助请输入“转人工”。",
                       "en": "It's less than {limit} hours before the visit, so it can't be "
                             "cancelled online. Type \"human\" for help."},
    "started": {"zh": "这个预约的服务时间已经开始，无法在线更改。如需帮助请输入“转人工”。",
                "en": "This booking has already started and can't be changed online. Type "
                      "\"human\" for help."},
    "fee_amount": {"zh": "（{amount}）", "en": " ({amount})"},
    "no_booking": {"zh": "您目前没有待服务的预约。需要预约请说“我想预约”。",
                   "en": "You have no upcoming bookings. Say \"book\" to make one."},
    # preferences
    "preferences_saved": {"zh": "好的，已记住：{text}", "en": "Got it, I'll remember: {text}"},
    "preferences_list": {"zh": "您的偏好：\n{items}\n以后的预约都会告知师傅。要添加请说“记住：……”。",
                         "en": "Your preferences:\n{items}\nWe pass them to the crew on every "
                               "booking. To add one, say \"remember: ...\"."},
    "preferences_none": {"zh": "您还没有保存偏好。可以说“记住：不要柠檬味清洁剂”。",
                         "en": "You have no saved preferences yet. Try \"remember: no "
                               "lemon-scented cleaner\"."},
    "preferences_intro": {"zh": "已记住您的要求：{items}（会告知师傅）。\n",
                          "en": "Noted from before: {items} (we'll tell the crew).\n"},
}


def text(section: Mapping[str, Any], key: str, lang: str, **values: Any) -> str:
    """A booking text in ``lang`` (script override first), with ``{name}`` filled in."""
    chosen = (section.get("texts") or {}).get(key) or DEFAULTS[key]
    template = chosen.get(lang) or chosen.get("zh") or ""
    return template.format(**values) if values else template


def date_label(day: date, lang: str) -> str:
    if lang == "en":
        return f"{_EN_WEEKDAYS[day.weekday()]} {_EN_MONTHS[day.month - 1]} {day.day}"
    return f"{day.month}月{day.day}日（周{_ZH_WEEKDAYS[day.weekday()]}）"


def clock(moment: datetime, tz: Any) -> str:
    """Local wall-clock time; with the date when it is not the same day as the booking."""
    return moment.astimezone(tz).strftime("%H:%M")


def money(amount: float, currency: str) -> str:
    symbol = {"CNY": "¥", "USD": "$", "EUR": "€"}.get(currency, currency + " ")
    return f"{symbol}{amount:,.0f}" if amount == int(amount) else f"{symbol}{amount:,.2f}"


def pick(labels: Mapping[str, str], lang: str) -> str:
    return labels.get(lang) or labels.get("zh") or next(iter(labels.values()), "")


def joined(items: Sequence[str], lang: str) -> str:
    return ("；" if lang == "zh" else "; ").join(items)


def hours(value: float) -> str:
    return f"{value:.0f}" if value >= 1 else f"{value:.1f}"
