"""Language detection: zh / en / other / None by script."""

import pytest

from nlu.language import detect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "zh"),
        ("我想搬家，两室一厅多少钱？", "zh"),
        ("我想book一个保洁", "zh"),  # mixed zh/en counts as Chinese
        ("hello 你好", "zh"),
        ("ABC123", None),  # a referral code or booking id carries no language
        ("B2611230001", None),
        ("referral code ABC123", "en"),
        ("OK 好", "zh"),
        ("Can you come on Saturday?", "en"),
        ("ok", "en"),
        ("cafe naive résumé", "en"),
        ("Привет, как дела?", "other"),
        ("مرحبا كيف حالك", "other"),
        ("สวัสดีครับ", "other"),
        ("안녕하세요", "other"),
        ("こんにちは", "other"),
        ("引越しの見積もりをお願いします", "other"),  # Japanese: kanji plus kana
        ("", None),
        ("   ", None),
        ("😊👍", None),
        ("13812345678", None),
        ("？？！！...", None),
        ("x", None),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected
