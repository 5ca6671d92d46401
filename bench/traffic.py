"""Realistic traffic: many virtual customers cycling through scripted zh/en conversations.

Each customer keeps one user id for the whole phase and moves on to the next script when one
ends, so its conversation history grows as the run goes on. Every message has a unique id.
"""

from __future__ import annotations

import json
from itertools import cycle

#: (language, turns). No hand-off to a human: that would silence the bot for the customer.
SCRIPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zh", ("你好", "我想搬家，两室一厅，下周六，多少钱？", "你们几点上班", "谢谢")),
    ("en", ("hello", "how much for cleaning", "2", "tomorrow", "what does a move include")),
    ("zh", ("请问保洁怎么收费", "三室", "明天", "怎么付款？", "好的，谢谢")),
    ("en", ("hi, I need movers", "3 bedrooms", "next Saturday", "which areas do you serve?",
            "thanks")),
    ("zh", ("你们服务哪些区域？", "搬家服务包含什么？", "我要报价", "搬家", "一室", "12月5号",
            "谢谢")),
    ("en", ("what are your service hours?", "how can I pay?", "ok bye")),
)


class Customer:
    """One virtual customer: a unique user id and a position in the scripts."""

    __slots__ = ("_turns", "lang", "user")

    def __init__(self, user: str, first_script: int) -> None:
        self.user = user
        order = SCRIPTS[first_script:] + SCRIPTS[:first_script]
        self._turns = cycle([(lang, text) for lang, turns in order for text in turns])
        self.lang = order[0][0]

    def next_turn(self) -> tuple[str, str]:
        self.lang, text = next(self._turns)
        return self.lang, text


class Traffic:
    """Request bodies for one connection: its own customers, taken round-robin.

    Customers are never shared between connections, so no customer ever has two messages in
    flight, as with a real person typing.
    """

    def __init__(self, prefix: str, customers: int, offset: int = 0) -> None:
        self._customers = [Customer(f"{prefix}-u{k}", (offset + k) % len(SCRIPTS))
                           for k in range(customers)]
        self._next = 0
        self._seq = 0
        self._prefix = prefix

    def __call__(self) -> bytes:
        customer = self._customers[self._next]
        self._next = (self._next + 1) % len(self._customers)
        self._seq += 1
        lang, text = customer.next_turn()
        return json.dumps({"user": customer.user, "text": text, "lang": lang,
                           "message_id": f"{self._prefix}-m{self._seq}"},
                          ensure_ascii=False, separators=(",", ":")).encode()


def traffic_for(run_id: str, phase: str, connections: int, customers_per_connection: int
                ) -> list[Traffic]:
    """One body source per connection; ids are unique across runs, phases and connections."""
    return [Traffic(f"{run_id}-{phase}-c{i}", customers_per_connection, offset=i)
            for i in range(connections)]
