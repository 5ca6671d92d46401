"""Sentiment: angry customers are caught, ordinary requests stay neutral."""

import pytest

from nlu.language import detect
from nlu.sentiment import analyse


def sentiment(text):
    return analyse(text, detect(text))


ANGRY = [
    "我要投诉你们的师傅",
    "气死我了，等了一上午",
    "你们就是一群骗子",
    "什么破服务",
    "服务太差了！！！",
    "垃圾公司",
    "this is the worst service ever",
    "Ridiculous. Two hours late.",
    "this is a scam",
    "f*** you",
    "THIS IS UNACCEPTABLE!!!",
    "😡😡",
    "🤬",
]

NEGATIVE = [
    "不满意",
    "我对这次服务很不满意",
    "阿姨打扫得不好",
    "师傅不专业",
    "不太满意",
    "好差",
    "not happy with the cleaning",
    "not good at all",
    "the movers were late and broke my vase",
    "really disappointed",
    "👎",
]

POSITIVE = [
    "不错",
    "师傅很专业，很满意",
    "非常感谢，阿姨很细心",
    "the cleaner did a great job, thank you so much",
    "excellent service",
    "😊👍",
    "not bad at all",  # a double negative still leans positive
]

NEUTRAL = [
    "我想搬家，两室一厅多少钱",
    "can you come on Saturday?",
    "好的",
    "不好意思，能改时间吗",  # "excuse me", not 不好
    "麻烦帮我查一下订单",  # "please", not 烦
    "帮我倒垃圾，再擦一下窗户",  # household garbage is a task, not an insult
    "滚筒洗衣机要拆吗",
    "有个问题想问一下",
    "一般多少钱",
    "满不满意都可以跟我说",  # an A-not-A question
    "价格贵吗",
    "I'd like to book a cleaning for next week",
    "good morning",
    "how much for a 2 bedroom flat?",
    "what payment methods do you accept",
    "我想取消预约",
    "please cancel my booking",
    "下周六上午十点可以吗",
    "",
    "   ",
    "13812345678",
]


@pytest.mark.parametrize("text", ANGRY)
def test_angry_messages_are_negative_with_anger(text):
    result = sentiment(text)
    assert result.label == "negative"
    assert result.anger is True
    assert result.score <= -0.3


@pytest.mark.parametrize("text", NEGATIVE)
def test_negative_messages(text):
    result = sentiment(text)
    assert result.label == "negative"
    assert result.score < 0


@pytest.mark.parametrize("text", POSITIVE)
def test_positive_messages(text):
    result = sentiment(text)
    assert result.label == "positive"
    assert result.anger is False


@pytest.mark.parametrize("text", NEUTRAL)
def test_business_messages_stay_neutral(text):
    result = sentiment(text)
    assert result.label == "neutral"
    assert result.anger is False
    assert abs(result.score) < 0.3


def test_negation_flips_praise():
    assert sentiment("满意").label == "positive"
    assert sentiment("不满意").label == "negative"
    assert sentiment("happy").label == "positive"
    assert sentiment("not happy").label == "negative"


def test_exclamation_and_capitals_amplify():
    plain = sentiment("the service was bad").score
    assert sentiment("the service was bad!!!").score < plain
    assert sentiment("THE SERVICE WAS BAD").score < plain


def test_score_is_bounded():
    result = sentiment("垃圾 骗子 气死 worst scam 😡🤬 " * 50 + "！！！！")
    assert -1.0 <= result.score <= 1.0
    assert result.label == "negative"
