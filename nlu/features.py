"""Text normalisation and feature analyzers shared by training and inference.

scikit-learn calls these same functions as its ``analyzer`` when training, and
the pure-Python scorer calls them at parse time, so both see identical features
by construction (``tests/test_nlu_classifier.py`` checks it). Changing anything
here changes the model: bump FEATURES_VERSION.

Chinese gets three views: character 1–2-grams (robust to typos and unknown words),
jieba words with word bigrams (meaning that characters alone blur: 取消 vs 消息), and
toneless pinyin syllables with syllable bigrams (homophone typos: 白白 for 拜拜).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

from nlu.pinyin import syllables
from nlu.sentiment import analyse

FEATURES_VERSION = 8

_DIGITS = re.compile(r"\d+")
# Han ideographs plus the digit placeholder: "2室1厅" → "0室0厅" shares n-grams with 3室2厅.
# A run needs one ideograph at least: "10:30" alone is not Chinese (and must not load jieba).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}0]*[{_HAN}][{_HAN}0]*")
_WORD = re.compile("[a-z0-9]+(?:'[a-z]+)?|[\u2600-\u27bf\U0001f300-\U0001faff]")
_LATIN_WORD = re.compile("[a-z]+(?:'[a-z]+)?")
#: Han runs longer than this are cut before segmentation: jieba's DAG is linear in the
#: run, but a pasted essay is not a request and MAX_CHARS already bounds the message.
_MAX_RUN = 200


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), lower case, every digit run → "0"."""
    return _DIGITS.sub("0", unicodedata.normalize("NFKC", text).lower())


def han_ngrams(norm: str) -> list[str]:
    """Character 1–2-grams inside each run of Chinese characters (3-grams added nothing
    that jieba's words do not carry, and cost accuracy in cross-validation)."""
    grams: list[str] = []
    for run in _HAN_RUN.findall(norm):
        grams.extend(run)
        grams.extend(run[i:i + 2] for i in range(len(run) - 1))
    return grams


def pinyin_grams(norm: str) -> list[str]:
    """Toneless pinyin syllables and syllable bigrams inside each run of Chinese characters
    (:mod:`nlu.pinyin`): voice input and pinyin keyboards swap homophones, 恩恩 for 嗯嗯.
    Chosen by grouped cross-validation on the training part of the own-data split (4 runs:
    zh 0.906 → 0.909 on average, better in each run; en unchanged)."""
    grams: list[str] = []
    for run in _HAN_RUN.findall(norm):
        sounds = syllables(run.replace("0", ""))
        grams.extend(sounds)
        grams.extend(f"{a} {b}" for a, b in pairwise(sounds))
    return grams


# -- jieba ----------------------------------------------------------------------------------

_jieba_lock = threading.Lock()
_tokenizer: Any = None


def _jieba_cache_dir() -> str:
    """``$CARELINE_CACHE_DIR`` when set and writable, else the system temp directory."""
    wanted = os.environ.get("CARELINE_CACHE_DIR")
    if wanted:
        try:
            Path(wanted).mkdir(parents=True, exist_ok=True)
            if os.access(wanted, os.W_OK):
                return wanted
        except OSError:
            pass
    return tempfile.gettempdir()


def jieba_tokenizer() -> Any:
    """The process-wide jieba tokenizer, initialised once, quietly (thread-safe).

    jieba logs "Building prefix dict..." to stderr and keeps a 9 MB prefix-dict cache;
    ours is ``careline-jieba.cache`` in :func:`_jieba_cache_dir`. The first call takes
    about a second (a few without the cache); later calls are free.
    """
    global _tokenizer
    if _tokenizer is None:
        with _jieba_lock:
            if _tokenizer is None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # old-style package; nothing to act on
                    import jieba
                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = _jieba_cache_dir()
                tokenizer.cache_file = "careline-jieba.cache"
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def jieba_words(run: str) -> tuple[str, ...]:
    """jieba's words for one run of Chinese characters (no HMM guessing), cut at
    ``_MAX_RUN``. Cached: the "zhw" block and the word vectors both need them, and short
    replies (好的, 在吗) come back all day."""
    return _cut(run[:_MAX_RUN])


@lru_cache(maxsize=4096)
def _cut(run: str) -> tuple[str, ...]:
    return tuple(jieba_tokenizer().lcut(run, HMM=False))


def zh_words(norm: str) -> list[str]:
    """jieba words and word bigrams inside each run of Chinese characters."""
    grams: list[str] = []
    for run in _HAN_RUN.findall(norm):
        words = jieba_words(run)
        grams.extend(words)
        grams.extend(f"{a} {b}" for a, b in pairwise(words))
    return grams


# -- Latin script ---------------------------------------------------------------------------


def word_ngrams(norm: str) -> list[str]:
    """English word unigrams and bigrams (emoji count as words)."""
    words = _WORD.findall(norm)
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def char_wb_ngrams(norm: str) -> list[str]:
    """Character 2–4-grams inside space-padded Latin words (sklearn's ``char_wb``), for typos."""
    grams: list[str] = []
    for word in _LATIN_WORD.findall(norm):
        padded = f" {word} "
        size = len(padded)
        for n in (2, 3, 4):
            if size <= n:
                grams.append(padded)
                break
            grams.extend(padded[i:i + n] for i in range(size - n + 1))
    return grams


def sentiment_tokens(norm: str) -> list[str]:
    """The lexicon's verdict as tokens: praise and complaints share most other words."""
    verdict = analyse(norm, None)
    tokens = [f"lex:{verdict.label}"] if verdict.label != "neutral" else []
    if verdict.anger:
        tokens.append("lex:anger")
    return tokens


# -- concepts -------------------------------------------------------------------------------

#: Synonym groups of the home-service domain, (English, Chinese) regex alternations.
#: Each present group becomes one token ("c:price"), so "quote", "fee" and 多少钱 share
#: evidence that a few hundred examples cannot spread over every synonym; a message
#: with no domain group at all gets "c:none", which is what out_of_scope mostly looks
#: like. Patterns stay linear (no unbounded ``.*``): they run on every message.
CONCEPTS: dict[str, tuple[str, str]] = {
    "greet": (r"hel+o+|hi+|hey+|hiya|howdy|good (?:morning|afternoon|evening|day)|morning|greetings",
              "你好|您好|哈喽|哈罗|嗨|在吗|在么|在不在|有人吗|早上好|下午好|晚上好|在线吗"),
    "bye": (r"bye+|goodbye|see (?:you|ya)|later|good ?night|night|ttyl|cya|take care|farewell"
            r"|signing off|gotta go",
            "再见|拜拜|拜|晚安|回聊|下次|先这样|回见|下线|挂了|先走"),
    "yes": (r"yes+|yeah|yep|yup|ya|sure|ok|okay|okie|k+|alright|correct|right|confirm(?:ed)?"
            r"|agreed?|deal|absolutely|definitely|of course|certainly|indeed|fine",
            "好的|可以|行|对|是的|没问题|确认|嗯|好滴|好哒|同意|没错|就这样|定了"),
    "no": (r"no+|nope|nah|not|don't|dont|never|neither|none|decline|pass|wrong|incorrect",
           "不|没有|别|算了|错了|否"),
    "thanks": (r"thanks|thank you|thx|ty|cheers|appreciate", "谢谢|感谢|多谢|谢啦"),
    "service": (r"clean(?:er|ers|ing)?|mov(?:e|er|ers|ing)|nann(?:y|ies)|caregivers?|carers?"
                r"|housekeepers?|maids?|helpers?|cooks?|babysitters?|aircon|van|truck|piano",
                "保洁|打扫|清洁|搬家|搬|月嫂|育儿嫂|保姆|护工|钟点工|阿姨|师傅|家政|陪护|开荒|擦玻璃"
                "|清洗|卫生|司机"),
    "booking": (r"bookings?|book(?:ed)?|appointments?|orders?|reservations?|reserve|slot"
                r"|schedule|hire|arrange",
                "预约|订单|单子|下单|约|预定|订|安排"),
    "price": (r"prices?|pricing|costs?|how much|quote|fees?|charges?|rates?|estimate|expensive"
              r"|cheap|pricey|yuan|rmb",
              "多少钱|价格|价|收费|报价|费用|贵|便宜|多钱|钱|几多"),
    "cancel": (r"cancel\w*|cancle|canel|call (?:it )?off|scrap|withdraw|void|abort|undo",
               "取消|撤销|撤|退单|不要了|不搬了|不用来|不需要了|取效"),
    "change": (r"re-?schedul\w*|postpone|push (?:it |my )?back|move (?:it|my|the)|change|shift"
               r"|delay|earlier|later|instead|another (?:day|time|date)|different (?:day|time|date)"
               r"|swap|amend|modify|bring (?:it )?forward",
               "改|推迟|提前|延期|换|往后|调|推|挪|延后|晚一|早一"),
    "status": (r"where|eta|arriv\w*|on (?:the|his|her|their|its) way|status|confirmed|assigned"
               r"|still coming|coming|track|update|how long|yet",
               "到哪|到了|还没|出发|几点到|进度|状态|接单|派单|多久|什么时候|怎么还|人呢|在路上"),
    "damage": (r"broke|broken|break|damag\w*|scratch\w*|dent\w*|crack\w*|stole|stolen|missing"
               r"|lost|ruin\w*|ripped",
               "坏|碎|划|丢|弄脏|刮|磕|裂|少了|不见"),
    "bad": (r"terrible|awful|horrible|worst|rude|late|dirty|filthy|unacceptable|disappoint\w*"
            r"|unhappy|upset|angry|furious|scam|overcharg\w*|refund|complain\w*|complaint|bad"
            r"|poor|useless|ridiculous|sloppy|never again|livid|furious|mad|shambles|joke|dodgy"
            r"|pathetic|rip ?off|disgust\w*|fed up|swear\w*|aggressive|stolen|one star|0 star"
            r"|negative|trash|rubbish|waste|nobody|no one|ignored|still (?:dirty|sticky|smeary)",
            "差|烂|投诉|骗|坑|气死|生气|气人|火大|迟到|不满|退款|赔|脏|敷衍|垃圾|离谱|凶|态度|放鸽子|乱收|加价|曝光"
            "|欺人太甚|黑店|说法|偷工减料|偷懒|爽约|鸽子|什么事|怎么做事|搞啥"
            "|发微博|媒体|不管|不会带|失望|破服务|坑|受不了|忍不了|没人管|不回|没人接"),
    "good": (r"great|excellent|amazing|awesome|perfect|wonderful|fantastic|brilliant|professional"
             r"|thorough|spotless|happy|satisfied|pleased|recommend\w*|stars?|review|rating|rate"
             r"|suggest\w*|feedback|well done|good job|nice|loved?|best|bravo|kudos|top notch|decent"
             r"|superb|lovely|fab|gem|impressed|exceeded|worth|value for money|smooth\w*|tidy"
             r"|spotless|sparkling|recommend|come back|book again|regular|thanks? (?:to|for)",
             "好评|满意|专业|干净|点赞|赞|棒|不错|推荐|评价|五星|辛苦|建议|意见|反馈|细心|耐心|靠谱"
             "|给力|好|满分|焕然一新|物超所值|物有所值|超出预期|细致|仔细|厉害|周到|利索|勤快|实惠|公道"
             "|再来|还找你们|介绍|回头客|五星|四星|打分"),
    "human": (r"human|person|people|agent|representative|operator|manager|supervisor|boss|staff"
              r"|someone|real|customer service|support|call me|phone|bots?|robot|callback",
              "人工|真人|客服|经理|负责人|主管|电话|机器人|领导|工作人员|老板"),
    "points": (r"points?|pts|rewards?|loyalty|member(?:ship)?|members|tier|vip|redeem|perks",
               "积分|会员|兑换|等级"),
    "messages": (r"messag\w*|msgs?|notifications?|texts?|texting|emails?|emailing|promos?"
                 r"|promotions?|ads|marketing|spam\w*|reminders?|subscri\w*|opt[- ]?out|alerts?"
                 r"|mailing list",
                 "消息|推送|通知|短信|广告|订阅|退订|骚扰|提醒|推广|营销|拉黑"),
    "policy": (r"do you|are you|can i|is there|insur\w*|pay|payment|invoice|receipt|fapiao"
               r"|deposit|open|hours|areas?|cover|include\w*|wechat|alipay|cash|card|certif\w*"
               r"|trained|policy|licensed",
               "营业|上班|服务范围|区域|包括|包含|付款|支付|发票|保险|定金|证|培训|能不能|有没有|吗$"
               "|是否|几点"),
    "time": (r"today|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
             r"|weekend|next (?:week|month)|morning|afternoon|evening|0 ?(?:am|pm)|0(?:st|nd|rd|th)"
             r"|am|pm|o'clock",
             "今天|明天|后天|周[一二三四五六日天末]|星期|下周|下个月|上午|下午|晚上|早上|号|点|月底|月初"),
    # Questions about the bot itself ("are you a robot", "你多大了"): chit-chat, never a
    # policy question, although "are you ..." / "do you ..." also start most FAQs.
    "botself": (r"are you (?:a |an )?(?:real|human|robot|bot|ai|alexa|siri|smart|tired|single"
                r"|happy|sad|okay|alive|male|female|a boy|a girl)|who (?:made|created|built) you"
                r"|how old are you|your name|your favou?rite|do you (?:love|like|dream|sleep|eat"
                r"|have feelings|think i)|can you (?:sing|dance|draw|code|cook|tell)|marry me"
                r"|what are you|where do you live",
                "你是机器人|你是人|你叫什么|你多大|你几岁|你喜欢|你爱|你会不会|你会唱|你是男|你是女"
                "|谁开发|谁做的你|陪我聊|你累|你好笨|你真笨|你是谁"),
    # Topics customers of a home-service business do not ask us about: they outweigh a
    # stray "price" or "book" in "what's the gold price" or "book me a flight".
    "offtopic": (r"weather|rain\w*|snow\w*|sunny|temperature|forecast|stocks?|shares|bitcoin|crypto"
                 r"|gold(?! member| card| tier)|oil|exchange rate|lottery|horoscope|jokes?|riddle"
                 r"|poem|story|song|music|movies?|films?|tv series|novel|games?|football|soccer|nba"
                 r"|world cup|news"
                 r"|president|election|recipe|cook (?:rice|pasta)|flights?|train tickets?|hotel"
                 r"|taxi|parcel|homework|math|translate|capital of|meaning of life|alien\w*"
                 r"|girlfriend|boyfriend|married|birthday",
                 "天气|下雨|下雪|降温|气温|台风|雾霾|空气质量|股票|股价|股市|基金|比特币|黄金|金价|油价|汇率"
                 "|彩票|星座|算命|笑话|段子|故事|唱歌|首歌|音乐|电影|电视剧|综艺|小说|游戏|足球|世界杯|新闻"
                 "|菜谱|怎么做饭|外卖|机票|火车票|航班|酒店|打车|快递|作业|数学题|翻译|减肥|失恋|对象|生日"),
}
_CONCEPT_RX = tuple(
    (f"c:{name}", re.compile(f"(?<![a-z'])(?:{en})(?![a-z])|(?:{zh})"))
    for name, (en, zh) in CONCEPTS.items()
)
#: Groups that mean "this is about our business"; none of them present → "c:none".
_DOMAIN = frozenset(f"c:{n}" for n in ("service", "booking", "price", "cancel", "change",
                                       "status", "damage", "points", "messages", "policy",
                                       "human"))


def concept_tokens(norm: str) -> list[str]:
    """One token per synonym group present, plus "c:none" when no domain group is."""
    tokens = [token for token, rx in _CONCEPT_RX if rx.search(norm)]
    if not _DOMAIN.intersection(tokens):
        tokens.append("c:none")
    return tokens


Analyzer = Callable[[str], list[str]]

#: (block name, analyzer, weight in the feature union). Each block is l2-normalised
#: on its own, so the weight sets how much words count against character n-grams.
BLOCKS: tuple[tuple[str, Analyzer, float], ...] = (
    ("han", han_ngrams, 1.0),
    ("zhw", zh_words, 1.0),
    ("py", pinyin_grams, 1.0),
    ("word", word_ngrams, 1.0),
    ("char", char_wb_ngrams, 1.0),
    ("lex", sentiment_tokens, 1.0),
    ("concept", concept_tokens, 0.3),
)

ANALYZERS: dict[str, Analyzer] = {name: fn for name, fn, _ in BLOCKS}


def warm_up(block_names: Any = None) -> None:
    """Load what the analyzers need (jieba's dictionary) now rather than at the first parse."""
    if block_names is None or "zhw" in block_names:
        jieba_tokenizer()
