"""Floor, elevator and large items: values and offsets, zh and en (now = Monday 2026-11-23 10:00 Shanghai)."""


import pytest

from nlu.entities_items import ITEMS

from .entity_surfaces import surfaces

FLOORS = [
    ("6楼", [("floor", 6, "6楼")]),
    ("六楼", [("floor", 6, "六楼")]),
    ("6层", [("floor", 6, "6层")]),
    ("住6楼", [("floor", 6, "6楼")]),
    ("我家在十二楼", [("floor", 12, "十二楼")]),
    ("第六层", [("floor", 6, "第六层")]),
    ("一楼", [("floor", 1, "一楼")]),
    ("负一楼", [("floor", -1, "负一楼")]),
    ("地下一层", [("floor", -1, "地下一层")]),
    ("3号楼5层", [("number", 3, "3"), ("floor", 5, "5层")]),  # building 3 is not a floor
    ("5th floor", [("floor", 5, "5th floor")]),
    ("on the 21st floor", [("floor", 21, "21st floor")]),
    ("floor 5", [("floor", 5, "floor 5")]),
    ("ground floor", [("floor", 1, "ground floor")]),
    ("third floor", [("floor", 3, "third floor")]),
    ("Flat 2, 5/F", [("number", 2, "2"), ("floor", 5, "5/F")]),
    ("basement", [("floor", -1, "basement")]),
]

ELEVATORS = [
    ("没电梯", [("elevator", False, "没电梯")]),
    ("无电梯", [("elevator", False, "无电梯")]),
    ("没有电梯", [("elevator", False, "没有电梯")]),
    ("不带电梯", [("elevator", False, "不带电梯")]),
    ("步梯房", [("elevator", False, "步梯房")]),
    ("电梯坏了", [("elevator", False, "电梯坏了")]),
    ("有电梯", [("elevator", True, "有电梯")]),
    ("电梯房", [("elevator", True, "电梯房")]),
    ("no lift", [("elevator", False, "no lift")]),
    ("no elevator", [("elevator", False, "no elevator")]),
    ("it's a walk-up", [("elevator", False, "walk-up")]),
    ("the building doesn't have an elevator", [("elevator", False, "doesn't have an elevator")]),
    ("the lift is broken", [("elevator", False, "lift is broken")]),
    ("with a lift", [("elevator", True, "with a lift")]),
    ("it has an elevator", [("elevator", True, "has an elevator")]),
]

FLOOR_AND_ELEVATOR = [
    ("6楼没电梯", [("floor", 6, "6楼"), ("elevator", False, "没电梯")]),
    ("住六楼，有电梯", [("floor", 6, "六楼"), ("elevator", True, "有电梯")]),
    ("5th floor, no lift", [("floor", 5, "5th floor"), ("elevator", False, "no lift")]),
    ("on the 3rd floor with a lift", [("floor", 3, "3rd floor"), ("elevator", True, "with a lift")]),
]

ITEMS_ZH = [
    ("钢琴", [("item", {"item": "piano", "count": 1}, "钢琴")]),
    ("两台冰箱", [("item", {"item": "fridge", "count": 2}, "两台冰箱")]),
    ("冰箱两台", [("item", {"item": "fridge", "count": 2}, "冰箱两台")]),
    ("3个衣柜", [("item", {"item": "wardrobe", "count": 3}, "3个衣柜")]),
    ("一个大衣柜", [("item", {"item": "wardrobe", "count": 1}, "一个大衣柜")]),
    ("洗衣机", [("item", {"item": "washing_machine", "count": 1}, "洗衣机")]),
    ("空调两台", [("item", {"item": "air_conditioner", "count": 2}, "空调两台")]),
    ("沙发", [("item", {"item": "sofa", "count": 1}, "沙发")]),
    ("两张床", [("item", {"item": "bed", "count": 2}, "两张床")]),
    ("电视", [("item", {"item": "tv", "count": 1}, "电视")]),
    ("电视柜", [("item", {"item": "tv_cabinet", "count": 1}, "电视柜")]),
    ("鱼缸", [("item", {"item": "fish_tank", "count": 1}, "鱼缸")]),
    ("保险柜", [("item", {"item": "safe", "count": 1}, "保险柜")]),
    ("床头柜", [("item", {"item": "nightstand", "count": 1}, "床头柜")]),
    ("有一架钢琴和两台冰箱",
     [("item", {"item": "piano", "count": 1}, "一架钢琴"), ("item", {"item": "fridge", "count": 2}, "两台冰箱")]),
]

ITEMS_EN = [
    ("piano", [("item", {"item": "piano", "count": 1}, "piano")]),
    ("2 fridges", [("item", {"item": "fridge", "count": 2}, "2 fridges")]),
    ("two big sofas", [("item", {"item": "sofa", "count": 2}, "two big sofas")]),
    ("a sofa", [("item", {"item": "sofa", "count": 1}, "a sofa")]),
    ("washing machine", [("item", {"item": "washing_machine", "count": 1}, "washing machine")]),
    ("wardrobe", [("item", {"item": "wardrobe", "count": 1}, "wardrobe")]),
    ("my bed", [("item", {"item": "bed", "count": 1}, "bed")]),
    ("a couple of beds", [("item", {"item": "bed", "count": 2}, "a couple of beds")]),
    ("an upright piano", [("item", {"item": "piano", "count": 1}, "an upright piano")]),
    ("a safe and a TV",
     [("item", {"item": "safe", "count": 1}, "a safe"), ("item", {"item": "tv", "count": 1}, "a TV")]),
    ("I have a piano and 2 fridges",
     [("item", {"item": "piano", "count": 1}, "a piano"), ("item", {"item": "fridge", "count": 2}, "2 fridges")]),
]

# Look-alikes: no floor, elevator or item.
NOT_HOME = [
    "起床了", "电视剧好看", "冰箱贴", "钢琴课", "三层保护膜", "两层别墅", "楼梯", "有没有电梯", "is it safe?",
    "is there a lift?", "can you lift it", "3号楼", "a safe place", "bedroom", "I'm going to walk up",
]


@pytest.mark.parametrize(("text", "expected"), FLOORS + ELEVATORS + FLOOR_AND_ELEVATOR)
def test_floor_and_elevator(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize(("text", "expected"), ITEMS_ZH + ITEMS_EN)
def test_items(text, expected):
    assert surfaces(text) == expected


@pytest.mark.parametrize("text", NOT_HOME)
def test_look_alikes_are_not_home_entities(text):
    assert [e for e in surfaces(text) if e[0] in ("floor", "elevator", "item")] == []


def test_a_floor_or_an_item_count_is_not_also_a_number():
    kinds = [e[0] for e in surfaces("住十二楼，两台冰箱，3个衣柜，floor 5, 2 fridges")]
    assert "number" not in kinds
    assert kinds.count("floor") == 2 and kinds.count("item") == 3


def test_the_quote_sentence_from_the_issue():
    assert surfaces("两室一厅，80平，6楼没电梯，有一台钢琴") == [
        ("rooms", 2, "两室一厅"),
        ("area", 80.0, "80平"),
        ("floor", 6, "6楼"),
        ("elevator", False, "没电梯"),
        ("item", {"item": "piano", "count": 1}, "一台钢琴"),
    ]


def test_item_ids_are_lowercase_identifiers_and_words_are_unique():
    zh_words = [w for zh, _ in ITEMS.values() for w in zh]
    en_words = [w for _, en in ITEMS.values() for w in en]
    assert all(item.isidentifier() and item.islower() for item in ITEMS)
    assert len(zh_words) == len(set(zh_words)) and len(en_words) == len(set(en_words))


@pytest.mark.parametrize("item", sorted(ITEMS))
def test_every_item_word_is_found_with_its_id(item):
    zh, en = ITEMS[item]
    for text in [*zh, *(f"move the {word}" for word in en)]:  # "safe" alone is an adjective
        values = [e[1] for e in surfaces(text) if e[0] == "item"]
        assert values == [{"item": item, "count": 1}], text
