"""Key phrases of customers' own words, Chinese and English, as the voice-of-the-customer
panel lists them."""

from __future__ import annotations

from nlu.keyphrases import extract

COMPLAINTS_ZH = ["师傅迟到了两个小时，态度也很差", "搬家师傅迟到，打电话也不接", "家具被划伤了，要求赔偿",
                 "冰箱搬运时划伤了，很生气", "保洁不干净，厨房油污还在", "打扫得不干净，卫生间没清理",
                 "价格太贵了，跟报价不一样", "报价不一样，临时加价", "态度很差，说话很冲",
                 "约好九点，十一点才到，迟到太久", "临时加价，很不满意", "厨房不干净"]
COMPLAINTS_EN = ["The movers arrived late and were rude", "Crew arrived late, no call",
                 "They scratched my table", "Scratched the floor and the table",
                 "Cleaning was not thorough, kitchen still dirty", "Kitchen still dirty after cleaning",
                 "Price was higher than the quote", "Charged more than the quote",
                 "Rude staff", "bathroom not clean", "not clean at all"]


def phrases(texts: list[str], **kw: int) -> dict[str, int]:
    return {p.phrase: p.count for p in extract(texts, **kw)}


def test_chinese_pain_points_with_counts() -> None:
    found = phrases(COMPLAINTS_ZH)
    assert found["迟到"] == 3
    assert found["不干净"] == 3          # the negation stays with its word
    assert found["态度差"] == 2          # "很" between the words does not break the phrase
    assert found["临时加价"] == 2 and found["划伤"] == 2
    assert not any(p in found for p in ("师傅", "十一点", "九点", "两个小时"))  # generic, times


def test_english_pain_points_with_counts() -> None:
    found = phrases(COMPLAINTS_EN)
    assert found["arrived late"] == 2 and found["not clean"] == 2
    assert found["rude"] == 2 and found["quote"] == 2
    assert "the" not in found and "staff" not in found


def test_a_mixed_corpus_ranks_both_languages_and_points_at_its_texts() -> None:
    texts = COMPLAINTS_ZH + COMPLAINTS_EN
    found = extract(texts, top=10)
    assert len(found) == 10
    names = [p.phrase for p in found]
    assert "迟到" in names and "arrived late" in names
    late = next(p for p in found if p.phrase == "迟到")
    assert [texts[i] for i in late.docs] == [COMPLAINTS_ZH[0], COMPLAINTS_ZH[1], COMPLAINTS_ZH[9]]


def test_phrases_said_once_or_always_together_are_not_repeated() -> None:
    assert extract(["只说了一次的抱怨"]) == []
    found = phrases(["迟到两个小时，耽误上班", "迟到两个小时，耽误上班", "迟到两个小时，耽误上班"])
    assert len(found) == 1 and set(found) <= {"迟到", "耽误上班"}  # always together: one point
    assert extract([]) == [] and extract(["", "   ", "!!!"]) == []
