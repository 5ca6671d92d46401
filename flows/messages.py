"""Built-in system texts; a script's ``messages:`` section overrides any of them."""

from __future__ import annotations

from flows.model import Text

DEFAULT_MESSAGES: dict[str, Text] = {k: Text(v) for k, v in {
    "cancelled": {"zh": "好的，已取消。还有什么可以帮您？",
                  "en": "OK, cancelled. Anything else I can help with?"},
    "restarted": {"zh": "好的，我们重新开始。", "en": "Sure, let's start over."},
    "resume_offer": {"zh": "要继续刚才的「{flow}」吗？", "en": "Shall we continue with \"{flow}\"?"},
    "resume_yes": {"zh": "继续", "en": "Continue"},
    "resume_no": {"zh": "不用了", "en": "No thanks"},
    "resume_declined": {"zh": "好的。还有什么可以帮您？", "en": "OK. Anything else I can help with?"},
    "reask": {"zh": "抱歉，没能识别您的回答。", "en": "Sorry, I didn't catch that."},
    "reask_date_past": {"zh": "这个日期已经过去了，请给一个今天或以后的日期。",
                        "en": "That date has passed; please give today or a later date."},
    "reask_range": {"zh": "请给一个 {min} 到 {max} 之间的数。",
                    "en": "Please give a number between {min} and {max}."},
    "reask_phone": {"zh": "这个电话号码好像不对，请重新输入，例如 13812345678。",
                    "en": "That phone number doesn't look right; please type it again, "
                          "e.g. 13812345678 or +44 7911 123456."},
    "collect_failed": {"zh": "抱歉，我还是没能理解。您可以换个说法，或输入“转人工”联系客服。",
                       "en": "Sorry, I still couldn't understand. Try other words, "
                             "or type \"human\" to reach an agent."},
    "empty": {"zh": "请发送文字消息，我来帮您。", "en": "Please send me a text message and I'll help."},
    "too_long": {"zh": "您的消息太长了（超过 {limit} 字），请精简后再发给我。",
                 "en": "Your message is too long (over {limit} characters). "
                       "Please shorten it and send it again."},
    "unreadable": {"zh": "抱歉，这条消息我无法读取，请发送文字。",
                   "en": "Sorry, I couldn't read that message. Please send text."},
    "unsupported_language": {
        "zh": "抱歉，我目前只会中文和英文。Sorry, I can only chat in Chinese or English.",
        "en": "Sorry, I can only chat in Chinese or English. 抱歉，我目前只会中文和英文。"},
    "no_text": {"zh": "😊 有什么可以帮您？", "en": "😊 How can I help you?"},
    "media_received_in_flow": {"zh": "已收到照片。还有的话请继续发送，发完回复“好了”。",
                               "en": "Photo received. Send more if you like, then reply \"done\"."},
    "media_received": {"zh": "已收到您发送的文件/图片，我们会妥善保存。请用文字告诉我需要什么帮助。",
                       "en": "Got your photo/file, and we've kept it. Please tell me in words "
                             "what you need."},
    "unsupported_type": {"zh": "抱歉，这类消息我暂时看不了，我能读文字和图片。",
                         "en": "Sorry, I can't read this kind of message; I can read text and "
                               "photos."},
    "link_code": {"zh": "您的绑定码是 {code}，{minutes} 分钟内有效。请在另一个渠道（微信或 Telegram）"
                           "发送“绑定 {code}”，两边的记录、预约和积分就会合并。",
                  "en": "Your link code is {code}, valid for {minutes} minutes. Send \"/link {code}\" "
                        "on your other channel (WeChat or Telegram) to join your history, "
                        "bookings and points."},
    "link_done": {"zh": "绑定成功！您在各个渠道的记录、预约和积分已合并。",
                  "en": "Linked! Your history, bookings and points are now shared across channels."},
    "link_invalid": {"zh": "这个绑定码无效或已过期，请重新发送“绑定”获取新码。",
                     "en": "That link code is invalid or has expired. Send \"/link\" for a new one."},
    "link_same": {"zh": "请在另一个渠道发送这个绑定码。",
                  "en": "Please send this code on your other channel."},
    "slot_corrected": {"zh": "好的，已为您更新。", "en": "Got it, I've updated that."},
    "flow_error": {"zh": "抱歉，系统出了点问题，我们已记录下来。请稍后再试或输入“转人工”。",
                   "en": "Sorry, something went wrong on our side and we have logged it. "
                         "Please try again later or type \"human\"."},
}.items()}

DEFAULT_SETTINGS: dict[str, object] = {
    "fallback_flow": "fallback",
    "intent_threshold": 0.5,
    "cancel_words": {"zh": ["算了", "取消", "不要了", "不用了", "退出"],
                     "en": ["cancel", "never mind", "nevermind", "forget it", "quit"]},
    "restart_words": {"zh": ["重新开始", "重来", "从头开始"],
                      "en": ["start over", "restart", "start again"]},
    "correction_words": {"zh": ["不对", "不是", "错了", "改成", "改为", "换成", "应该是", "更正", "改到"],
                         "en": ["actually", "i meant", "i mean", "change it to", "change to",
                                "make it", "correction", "wrong", "no wait"]},
}
