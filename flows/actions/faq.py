"""``faq_answer``: answer from the ``faq:`` script by keywords, or offer the topics."""

from __future__ import annotations

from flows.actions import ActionContext, ActionResult, action
from flows.matching import contains, normalise
from flows.model import FaqEntry, Reply

_MENU = {"zh": "您想了解哪方面？", "en": "What would you like to know?"}


def best_entry(entries: tuple[FaqEntry, ...], text: str, lang: str) -> FaqEntry | None:
    norm = normalise(text)
    scored = []
    for entry in entries:
        words = [w for key, ws in entry.keywords.items() if key in ("*", lang) for w in ws]
        words += list(entry.question.by_lang.values())
        score = sum(len(w) for w in words if contains(norm, w))
        if score:
            scored.append((score, entry))
    return max(scored, key=lambda s: s[0])[1] if scored else None


@action("faq_answer", sets=("faq_id",))
def faq_answer(ctx: ActionContext) -> ActionResult:
    entry = best_entry(ctx.bundle.faq, ctx.text, ctx.lang)
    if entry is None:
        buttons = tuple(e.question.get(ctx.lang) for e in ctx.bundle.faq[:8])
        return ActionResult(replies=[Reply(_MENU.get(ctx.lang, _MENU["zh"]), buttons)],
                            events=[("faq_unmatched", {"text": ctx.text[:200]})])
    return ActionResult(slots={"faq_id": entry.id}, replies=[Reply(entry.answer.get(ctx.lang))],
                        events=[("faq_answered", {"faq": entry.id})])
