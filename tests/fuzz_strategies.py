"""Hypothesis strategies shared by the fuzz tests: JSON values, damaged documents, hostile text."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**64), max_value=2**64)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40))

#: Anything ``json.loads`` can return (NaN and Infinity included: Python's json reads them).
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5),
    max_leaves=25)

#: Text a customer (or an attacker) may type: any script, controls, emoji, surrogates aside.
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from([
        "", " ", "\x00", "\u200b\u200d\ufeff", "🏠" * 50, "ℌ𝔢𝔩𝔩𝔬", "١٢٣ ٤٥٦", "〇一二三四五六七八九十百千万亿",
        "两万三千五百零八", "负负负3室", "-" * 500, "9" * 400, "1e308", "0x7fffffff",
        "' OR 1=1 --", "<script>alert(1)</script>", "%s%s%s%n", "{0}{1}{__class__}",
        "下周六从朝阳搬到海淀，两室一厅，6楼没电梯，多少钱？", "2月30号", "13800138000" * 20,
        "\ud7ff\ue000\U0010ffff", "ﷺ" * 100, "¹", "①", "1²", "¹万", "٣", "３", "½", "a\u0301" * 200, "上午十点半到下午三点", "99999999999层",
    ]),
    st.lists(st.sampled_from(["明天", "下周", "3点", "两室", "6楼", "电梯", "朝阳", "到", "海淀",
                              "tomorrow", "next", "Saturday", "2 bedroom", "floor", "9", "十", "万",
                              "点半", "号", "月", "¥", "元", "平米", "㎡", "km", "公里", "-", "负",
                              "138", "0", " ", "，", "年", "周", "星期", "后天", "半"]),
             max_size=40).map("".join),
)


def mutated(document: Any) -> st.SearchStrategy[Any]:
    """``document`` with one to three random changes deep inside: a value replaced by any
    JSON value, a key removed, or a key added."""

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        doc = copy.deepcopy(document)
        for _ in range(draw(st.integers(1, 3))):
            doc = _mutate_once(draw, doc)
        return doc

    return build()


def _containers(node: Any, out: list[Any]) -> list[Any]:
    if isinstance(node, dict | list):
        out.append(node)
        for child in (node.values() if isinstance(node, dict) else node):
            _containers(child, out)
    return out


def _mutate_once(draw: st.DrawFn, doc: Any) -> Any:
    found = _containers(doc, [])
    if not found:
        return draw(json_values)
    node = draw(st.sampled_from(found))
    how = draw(st.sampled_from(["replace", "delete", "add"]))
    if isinstance(node, dict):
        keys = list(node)
        if how == "add" or not keys:
            node[draw(st.text(max_size=12))] = draw(json_values)
        else:
            key = draw(st.sampled_from(keys))
            if how == "delete":
                del node[key]
            else:
                node[key] = draw(json_values)
    else:
        if how == "add" or not node:
            node.insert(draw(st.integers(0, len(node))), draw(json_values))
        else:
            index = draw(st.integers(0, len(node) - 1))
            if how == "delete":
                del node[index]
            else:
                node[index] = draw(json_values)
    return doc


_tag = st.sampled_from(["xml", "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content",
                        "MsgId", "Event", "EventKey", "MediaId", "PicUrl", "Format", "Recognition",
                        "Encrypt", "a"])
_leaf = st.sampled_from(["text", "event", "image", "voice", "subscribe", "CLICK", "o", "", "1",
                         "<![CDATA[x]]>", "&amp;", "&#0;", "&#x10FFFF;", "中文", "]]>"])


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(_tag)
    if depth >= 2 or draw(st.booleans()):
        body = draw(_leaf | st.text(max_size=20).map(
            lambda s: s.replace("&", "").replace("<", "")))
    else:
        body = "".join(draw(st.lists(_element(depth + 1), max_size=5)))
    return f"<{tag}>{body}</{tag}>"


#: Well-formed-ish XML built from the tags WeChat uses, under a root that is usually <xml>.
xml_texts = st.lists(_element(1), max_size=8).map(lambda parts: "<xml>" + "".join(parts) + "</xml>")
