"""DEMO ONLY: what the generated demo customers say (bot/demo_data.py), in Chinese and
English. Short, varied, and shaped so the dashboard's voice-of-the-customer panel finds
recognisable pain points (lateness, damage, cleaning quality, price changes, attitude)."""

from __future__ import annotations

from typing import Any

SURNAMES_ZH = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
TITLES_ZH = ("女士", "先生")
NAMES_EN = ("Alice Chen", "Ben Walker", "Chloe Liu", "David Park", "Emma Wang", "Frank Zhou",
            "Grace Lin", "Henry Xu", "Ivy Zhang", "Jack Huang", "Kate Sun", "Leo Ma",
            "Mia Guo", "Noah He", "Olivia Gao", "Peter Luo", "Queenie Wu", "Ryan Zhao")

OPENERS: dict[str, dict[str, list[str]]] = {
    "quote": {
        "zh": ["搬家多少钱？两室一厅", "想问下保洁怎么收费", "下周六从朝阳搬到海淀，大概多少钱",
               "三室两厅深度保洁报价", "六楼没电梯，搬家贵吗", "开荒保洁100平多少钱"],
        "en": ["How much for moving a 2-bedroom flat?", "What does a deep clean cost?",
               "Quote for moving next Saturday please", "Price for cleaning 90 square metres?"],
    },
    "book": {
        "zh": ["我想预约下周三的保洁", "帮我约个搬家师傅，周六上午", "预约日常保洁，每周一次",
               "就按刚才的报价预约吧"],
        "en": ["I'd like to book a cleaning for Wednesday", "Book the move for Saturday morning",
               "Can I book a weekly clean?", "Let's book it at that price"],
    },
    "faq": {
        "zh": ["你们服务哪些区域？", "可以开发票吗", "需要提前多久预约", "保洁需要自己准备工具吗",
               "周末可以上门吗"],
        "en": ["Which areas do you cover?", "Can I get an invoice?", "How early should I book?",
               "Do I need to provide cleaning supplies?", "Do you work on weekends?"],
    },
    "status": {
        "zh": ["师傅几点到？", "我的订单现在什么状态", "搬家师傅出发了吗"],
        "en": ["When will the crew arrive?", "What's the status of my booking?",
               "Are the movers on their way?"],
    },
    "complaint": {
        "zh": ["我要投诉，师傅迟到了两个小时", "家具被划伤了，怎么处理", "保洁完厨房还是很脏",
               "你们临时加价，和报价不一样", "师傅态度很差"],
        "en": ["I want to complain, the movers were two hours late", "My table got scratched",
               "The kitchen is still dirty after the clean", "You charged more than the quote",
               "The crew was rude"],
    },
    "human": {"zh": ["转人工", "人工客服", "找客服"], "en": ["human", "talk to an agent", "real person"]},
}

BOT_REPLIES = {
    "zh": ["好的，请问搬家日期是哪天？", "为您报价如下，如需预约请回复“预约”。", "已为您预约成功。",
           "我们服务北京市内各区。", "师傅预计下午两点到达。", "很抱歉给您带来不便，已为您登记投诉。",
           "正在为您转接人工客服，请稍候。"],
    "en": ["Sure — which day is the move?", "Here is your quote; reply \"book\" to book it.",
           "You're booked.", "We cover every district of Beijing.",
           "The crew should arrive around 2 pm.", "Sorry about that; your complaint is logged.",
           "Connecting you to an agent, one moment."],
}
AGENT_REPLIES = {
    "zh": ["您好，我是客服小林，马上帮您处理。", "已经联系师傅，十分钟内给您回电。",
           "非常抱歉，我们会安排补偿。"],
    "en": ["Hi, this is Lin from the care team — looking into it now.",
           "I've called the crew lead; he'll ring you within 10 minutes.",
           "I'm very sorry; we'll make it right."],
}

#: survey comments by polarity and topic
COMMENTS: dict[str, Any] = {
    "positive": {
        "zh": ["师傅很专业，搬得又快又稳", "保洁阿姨很仔细，厨房干净了", "准时到达，态度很好",
               "价格透明，没有临时加价", "家具保护得很好，没有划伤", "服务专业，下次还找你们",
               "准时到达，干活麻利", "打扫得很干净，很满意"],
        "en": ["Very professional crew, quick and careful", "Spotless kitchen, thank you",
               "Arrived on time and very polite", "Transparent price, no surprises",
               "Furniture well protected, nothing scratched", "Arrived on time, great job",
               "Very clean, will book again"],
    },
    "negative": {
        "lateness": {"zh": ["师傅迟到了一个多小时，也没提前通知", "迟到两个小时，耽误上班",
                            "约好九点，十一点才到，迟到太久"],
                     "en": ["The crew arrived late, two hours after the slot",
                            "Arrived late and nobody called", "Movers arrived late again"]},
        "damage": {"zh": ["家具被划伤了", "冰箱门被撞凹了，家具划伤", "搬运时划伤了地板"],
                   "en": ["They scratched my table", "Scratched the floor while moving the sofa",
                          "Fridge door dented and table scratched"]},
        "quality": {"zh": ["打扫不干净，厨房油污还在", "卫生间没打扫干净", "窗户没擦，打扫不干净"],
                    "en": ["Kitchen still dirty after the deep clean", "Bathroom not clean",
                           "Windows not cleaned, not thorough"]},
        "billing": {"zh": ["临时加价，和报价不一样", "收费比报价贵，临时加价"],
                    "en": ["Charged more than the quote", "Extra fees not in the quote"]},
        "attitude": {"zh": ["师傅态度差，说话不耐烦", "态度很差，还顶嘴"],
                     "en": ["Rude staff", "The crew was rude and impatient"]},
    },
    "neutral": {"zh": ["还可以吧", "一般般", "凑合"], "en": ["It was ok", "Average", "Fine I guess"]},
}
TOPICS = ("lateness", "damage", "quality", "billing", "attitude")
