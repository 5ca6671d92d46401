"""Sentiment lexicon v0 (zh + en) for :mod:`nlu.sentiment`.

Each entry is ``term: (weight, weight_when_negated, anger)``. Weights are small on
purpose: most customer messages are neutral requests ("两室一厅多少钱"), and a
false "negative" there would hand calm customers to a human. Entries with weight 0
exist to shield a longer phrase from its parts: 不好意思 is "excuse me", not 不好;
麻烦你 is "please", not 烦; 滚筒 is a washing-machine drum, not 滚.
"""

from __future__ import annotations

Entry = tuple[float, float, bool]

ZH: dict[str, Entry] = {
    # shields (neutral phrases that contain sentiment characters)
    "不好意思": (0, 0, False), "麻烦": (0, 0, False), "滚筒": (0, 0, False),
    "没问题": (0.2, 0, False), "好的": (0, 0, False), "好吧": (0, 0, False),
    "慢慢": (0, 0, False), "差不多": (0, 0, False), "差价": (0, 0, False),
    "出差": (0, 0, False), "误差": (0, 0, False), "最好": (0, 0, False), "好像": (0, 0, False),
    "好几": (0, 0, False), "好多": (0, 0, False), "只好": (0, 0, False), "好不容易": (0, 0, False),
    "不客气": (0, 0, False), "一般": (0, 0, False), "不好说": (0, 0, False),
    "差点": (0, 0, False), "还差": (0, 0, False), "相差": (0, 0, False), "贵公司": (0, 0, False),
    "贵司": (0, 0, False), "贵姓": (0, 0, False), "宝贵": (0, 0, False), "报警器": (0, 0, False),
    "倒垃圾": (0, 0, False), "扔垃圾": (0, 0, False), "清垃圾": (0, 0, False),
    "垃圾袋": (0, 0, False), "垃圾桶": (0, 0, False), "装修垃圾": (0, 0, False),
    "建筑垃圾": (0, 0, False), "垃圾清运": (0, 0, False), "垃圾分类": (0, 0, False),
    "垃圾清理": (0, 0, False), "清理垃圾": (0, 0, False), "好好": (0, 0, False),
    # asking about refunds is not demanding one ("不满意能退钱吗")
    "能退钱": (0, 0, False), "可以退钱": (0, 0, False), "怎么退钱": (0, 0, False),
    "退钱吗": (0, 0, False),
    # anger: insults, threats, 投诉
    "投诉": (-0.6, -0.6, True), "气死": (-1.0, -1.0, True), "垃圾": (-1.0, -1.0, True),
    "骗子": (-1.0, -1.0, True), "骗人": (-0.9, -0.9, True), "骗钱": (-0.9, -0.9, True),
    "太差": (-1.0, -1.0, True), "什么破": (-1.0, -1.0, True), "破公司": (-1.0, -1.0, True),
    "傻逼": (-1.2, -1.2, True), "傻b": (-1.2, -1.2, True), "煞笔": (-1.2, -1.2, True),
    "妈的": (-1.0, -1.0, True), "他妈": (-1.0, -1.0, True), "你妈": (-1.2, -1.2, True),
    "滚": (-0.8, -0.8, True), "去死": (-1.2, -1.2, True), "废物": (-1.0, -1.0, True),
    "混蛋": (-1.0, -1.0, True), "王八蛋": (-1.2, -1.2, True), "无耻": (-1.0, -1.0, True),
    "不要脸": (-1.0, -1.0, True), "黑心": (-1.0, -1.0, True), "坑人": (-0.9, -0.9, True),
    "坑爹": (-0.9, -0.9, True), "欺诈": (-1.0, -1.0, True), "诈骗": (-1.0, -1.0, True),
    "过分": (-0.8, 0, True), "离谱": (-0.8, 0, True), "忍无可忍": (-1.0, -1.0, True),
    "受够了": (-1.0, -1.0, True), "差劲": (-0.9, -0.9, True), "恶心": (-0.8, -0.8, True),
    "愤怒": (-0.9, -0.9, True), "生气": (-0.7, 0, True), "火大": (-0.8, -0.8, True),
    "搞什么": (-0.8, -0.8, True), "什么玩意": (-0.9, -0.9, True), "曝光": (-0.8, -0.8, True),
    "报警": (-0.8, -0.8, True), "12315": (-0.8, -0.8, True), "消协": (-0.8, -0.8, True),
    "退钱": (-0.6, -0.6, True), "欺负人": (-0.9, -0.9, True), "耍我": (-0.9, -0.9, True),
    # negative
    "差": (-0.6, 0.2, False), "差评": (-0.8, -0.8, False), "不满": (-0.8, -0.8, False),
    "失望": (-0.7, 0.1, False), "糟糕": (-0.8, 0, False), "糟透": (-0.9, -0.9, False),
    "难受": (-0.5, 0, False), "烦死": (-0.8, -0.8, False), "无语": (-0.6, -0.6, False),
    "呵呵": (-0.3, -0.3, False), "郁闷": (-0.5, 0, False), "崩溃": (-0.7, -0.7, False),
    "后悔": (-0.6, 0.1, False), "再也不": (-0.7, -0.7, False), "弄坏": (-0.6, -0.6, False),
    "摔坏": (-0.6, -0.6, False), "打碎": (-0.6, -0.6, False), "损坏": (-0.6, -0.6, False),
    "划伤": (-0.6, -0.6, False), "刮花": (-0.6, -0.6, False), "弄脏": (-0.6, -0.6, False),
    "坏了": (-0.3, 0, False), "丢了": (-0.4, 0, False), "丢失": (-0.5, 0, False),
    "敷衍": (-0.7, 0, False), "冷漠": (-0.6, 0, False), "粗鲁": (-0.7, 0, False),
    "乱七八糟": (-0.6, -0.6, False), "一塌糊涂": (-0.8, -0.8, False), "迟到": (-0.4, 0.2, False),
    "太慢": (-0.6, 0, False), "很慢": (-0.5, 0, False), "好慢": (-0.5, 0, False),
    "慢死": (-0.8, -0.8, False), "磨蹭": (-0.5, 0, False), "拖拖拉拉": (-0.6, 0, False),
    "等了半天": (-0.6, -0.6, False), "等半天": (-0.5, -0.5, False), "等了好久": (-0.6, -0.6, False),
    "等了很久": (-0.6, -0.6, False), "很脏": (-0.6, 0, False),
    "太脏": (-0.7, 0, False), "好脏": (-0.6, 0, False), "脏兮兮": (-0.6, 0, False),
    "滚蛋": (-1.0, -1.0, True), "贵": (-0.3, 0.1, False),
    "没人管": (-0.7, -0.7, False), "没人理": (-0.7, -0.7, False), "太坑": (-0.9, -0.9, True),
    "难用": (-0.5, 0, False), "不行啊": (-0.3, -0.3, False), "怎么回事": (-0.35, -0.35, False),
    "怎么搞的": (-0.6, -0.6, False),
    # positive (weight_when_negated turns 不满意/不专业/不准时 negative)
    "好": (0, -0.6, False), "满意": (0.7, -0.8, False), "好评": (0.8, -0.6, False),
    "五星": (0.5, 0, False), "谢谢": (0.3, 0, False), "感谢": (0.4, 0, False),
    "多谢": (0.3, 0, False), "辛苦": (0.4, 0, False), "专业": (0.5, -0.7, False),
    "准时": (0.4, -0.6, False), "靠谱": (0.6, -0.8, False), "给力": (0.7, -0.6, False),
    "棒": (0.7, -0.4, False), "赞": (0.6, 0, False), "点赞": (0.7, 0, False),
    "不错": (0.6, -0.4, False), "挺好": (0.6, -0.6, False), "很好": (0.6, -0.6, False),
    "非常好": (0.8, -0.6, False), "真好": (0.6, -0.6, False), "太好了": (0.8, -0.6, False),
    "特别好": (0.8, -0.6, False), "好极了": (0.9, -0.6, False), "好棒": (0.8, -0.6, False),
    "细心": (0.5, -0.6, False), "耐心": (0.5, -0.6, False), "贴心": (0.6, -0.5, False),
    "认真": (0.5, -0.6, False), "负责": (0.3, -0.7, False), "热情": (0.5, -0.5, False),
    "周到": (0.5, -0.5, False), "干净": (0.3, -0.6, False), "喜欢": (0.5, -0.6, False),
    "开心": (0.6, -0.5, False), "高兴": (0.6, -0.5, False), "完美": (0.8, -0.4, False),
    "优秀": (0.7, -0.4, False), "强烈推荐": (0.8, 0, False), "会推荐": (0.6, -0.5, False),
    "还行": (0.2, -0.4, False), "很及时": (0.4, 0, False), "礼貌": (0.4, -0.7, False),
    "爱你们": (0.6, 0, False), "放心": (0.4, -0.5, False), "省心": (0.5, -0.5, False),
    "舒服": (0.4, -0.5, False), "惊喜": (0.6, 0, False),
}

EN: dict[str, Entry] = {
    # shields
    "good morning": (0, 0, False), "good afternoon": (0, 0, False), "good evening": (0, 0, False),
    "good night": (0, 0, False), "waste removal": (0, 0, False), "waste disposal": (0, 0, False),
    "no problem": (0.2, 0, False), "not bad": (0.4, 0, False), "too bad": (-0.3, 0, False),
    # anger
    "worst": (-1.0, -1.0, True), "ridiculous": (-0.9, -0.9, True), "scam": (-1.0, -1.0, True),
    "scammer": (-1.0, -1.0, True), "scammers": (-1.0, -1.0, True), "fraud": (-1.0, -1.0, True),
    "rip-off": (-0.9, -0.9, True), "ripoff": (-0.9, -0.9, True), "rip off": (-0.9, -0.9, True),
    "ripped off": (-0.9, -0.9, True), "fuck": (-1.2, -1.2, True), "fucking": (-1.2, -1.2, True),
    "f***": (-1.2, -1.2, True), "f**k": (-1.2, -1.2, True), "f*ck": (-1.2, -1.2, True),
    "fck": (-1.2, -1.2, True), "wtf": (-1.0, -1.0, True), "shit": (-1.0, -1.0, True),
    "bullshit": (-1.1, -1.1, True), "crap": (-0.8, -0.8, True), "idiot": (-1.0, -1.0, True),
    "idiots": (-1.0, -1.0, True), "stupid": (-0.9, -0.9, True), "useless": (-0.9, -0.9, True),
    "pathetic": (-1.0, -1.0, True), "disgusting": (-1.0, -1.0, True),
    "furious": (-1.0, -1.0, True), "outrageous": (-1.0, -1.0, True),
    "unacceptable": (-1.0, -1.0, True), "disgrace": (-1.0, -1.0, True),
    "disgraceful": (-1.0, -1.0, True), "incompetent": (-0.9, -0.9, True),
    "liar": (-1.0, -1.0, True), "liars": (-1.0, -1.0, True), "cheated": (-1.0, -1.0, True),
    "complaint": (-0.6, -0.6, True), "complain": (-0.6, -0.6, True), "angry": (-0.8, 0, True),
    "fed up": (-0.9, -0.9, True), "sick of": (-0.8, -0.8, True), "sue you": (-0.8, -0.8, True),
    "lawyer": (-0.7, -0.7, True), "rubbish": (-0.9, -0.9, True), "garbage": (-0.9, -0.9, True),
    # negative
    "bad": (-0.6, 0.3, False), "terrible": (-0.9, 0, False), "horrible": (-0.9, 0, False),
    "awful": (-0.9, 0, False), "poor": (-0.5, 0, False), "disappointed": (-0.7, 0.1, False),
    "disappointing": (-0.7, 0.1, False), "unhappy": (-0.7, 0.1, False), "upset": (-0.6, 0, False),
    "annoyed": (-0.6, 0, False), "annoying": (-0.6, 0, False), "frustrated": (-0.6, 0, False),
    "frustrating": (-0.6, 0, False), "late": (-0.3, 0.1, False), "broke": (-0.5, 0, False),
    "broken": (-0.5, 0, False), "damaged": (-0.6, 0, False), "scratched": (-0.5, 0, False),
    "dirty": (-0.5, 0.2, False), "rude": (-0.8, 0.2, False), "unprofessional": (-0.7, 0, False),
    "never showed": (-0.7, -0.7, False), "no show": (-0.6, -0.6, False),
    "no-show": (-0.6, -0.6, False), "waste": (-0.6, -0.6, False), "wrong": (-0.3, 0, False),
    "hate": (-0.8, 0.1, False), "sucks": (-0.8, 0.1, False), "mess": (-0.5, 0, False),
    "worse": (-0.7, 0, False), "nightmare": (-0.8, 0, False), "expensive": (-0.3, 0.1, False),
    "overpriced": (-0.6, 0, False), "slow": (-0.3, 0.1, False), "careless": (-0.6, 0, False),
    "lost": (-0.4, 0, False), "missing": (-0.4, 0, False), "ignored": (-0.6, 0, False),
    "sad": (-0.5, 0, False), "regret": (-0.6, 0, False),
    # positive
    "good": (0.5, -0.5, False), "great": (0.7, -0.6, False), "excellent": (0.9, -0.6, False),
    "amazing": (0.8, -0.5, False), "awesome": (0.8, -0.5, False), "fantastic": (0.8, -0.5, False),
    "wonderful": (0.8, -0.5, False), "perfect": (0.6, -0.5, False), "happy": (0.6, -0.7, False),
    "satisfied": (0.6, -0.7, False), "pleased": (0.5, -0.6, False), "loved": (0.7, -0.5, False),
    "love it": (0.7, -0.5, False), "thanks": (0.3, 0, False), "thank you": (0.3, 0, False),
    "thanks a lot": (0.6, 0, False), "thank you so much": (0.7, 0, False),
    "thanks so much": (0.7, 0, False), "many thanks": (0.5, 0, False),
    "appreciate": (0.4, 0, False), "appreciated": (0.5, 0, False), "helpful": (0.5, -0.6, False),
    "professional": (0.5, -0.7, False), "punctual": (0.5, -0.6, False),
    "on time": (0.3, -0.6, False), "friendly": (0.5, -0.6, False), "polite": (0.5, -0.7, False),
    "careful": (0.4, -0.6, False), "nice": (0.5, -0.5, False), "lovely": (0.6, -0.5, False),
    "impressed": (0.6, -0.6, False), "smooth": (0.4, -0.4, False), "well done": (0.6, 0, False),
    "good job": (0.7, -0.5, False), "would recommend": (0.7, -0.6, False),
    "highly recommend": (0.8, 0, False), "recommended": (0.5, -0.5, False),
    "reliable": (0.5, -0.7, False), "brilliant": (0.8, -0.5, False),
}

EMOJI: dict[str, Entry] = {
    "😡": (-1.0, -1.0, True), "🤬": (-1.2, -1.2, True), "😠": (-0.8, -0.8, True),
    "💢": (-0.8, -0.8, True), "🖕": (-1.2, -1.2, True), "👎": (-0.8, -0.8, False),
    "😤": (-0.6, -0.6, False), "😞": (-0.5, -0.5, False), "😢": (-0.5, -0.5, False),
    "😭": (-0.6, -0.6, False), "😩": (-0.5, -0.5, False), "😫": (-0.5, -0.5, False),
    "😒": (-0.5, -0.5, False), "🙄": (-0.5, -0.5, False), "💩": (-0.8, -0.8, False),
    "😊": (0.6, 0.6, False), "😀": (0.6, 0.6, False), "😃": (0.6, 0.6, False),
    "😄": (0.6, 0.6, False), "😁": (0.6, 0.6, False), "🙂": (0.4, 0.4, False),
    "👍": (0.7, 0.7, False), "❤": (0.7, 0.7, False), "💯": (0.7, 0.7, False),
    "🎉": (0.5, 0.5, False), "👏": (0.6, 0.6, False), "🥰": (0.7, 0.7, False),
    "😍": (0.7, 0.7, False), "🌹": (0.4, 0.4, False), "🙏": (0.2, 0.2, False),
}

#: Degree adverbs that strengthen the next term (很满意, 太差, "very rude").
ZH_INTENSIFIERS = ("非常", "特别", "十分", "相当", "极其", "超级", "很", "太", "超", "真", "挺", "好", "最")
EN_INTENSIFIERS = frozenset({
    "very", "really", "so", "extremely", "super", "totally", "absolutely", "too", "incredibly",
    "truly", "completely", "utterly", "most",
})
EN_NEGATORS = frozenset({
    "not", "no", "never", "dont", "don't", "doesn't", "doesnt", "didn't", "didnt", "isn't",
    "isnt", "wasn't", "wasnt", "aren't", "arent", "weren't", "werent", "won't", "wont",
    "can't", "cant", "cannot", "couldn't", "couldnt", "hardly", "nothing", "without", "nor",
})
