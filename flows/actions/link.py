"""``link_accounts``: /link (绑定) joins one customer's identities across channels.

Sent without a code, it issues a one-time 6-digit code valid for 10 minutes; sent with a code
on another channel, it merges that channel's customer into the code's customer.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flows.actions import ActionContext, ActionResult, action
from flows.model import Reply
from storage import repo

CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
VALID_MINUTES = 10


@action("link_accounts")
def link_accounts(ctx: ActionContext) -> ActionResult:
    if ctx.session is None or ctx.customer_id is None or ctx.channel is None:
        raise RuntimeError("link_accounts needs a stored conversation")
    say = ctx.bundle.message
    found = CODE.search(ctx.text)
    if found is None:
        code = f"{secrets.randbelow(1_000_000):06d}"
        repo.create_link_code(ctx.session, code, ctx.customer_id, ctx.channel,
                              expires_at=ctx.now + timedelta(minutes=VALID_MINUTES))
        return ActionResult(
            replies=[Reply(say("link_code", ctx.lang, code=code, minutes=VALID_MINUTES))],
            events=[("link_code_issued", {"expires_minutes": VALID_MINUTES})])
    link = repo.redeem_link_code(ctx.session, found.group(1), now=ctx.now)
    if link is None:
        return ActionResult(replies=[Reply(say("link_invalid", ctx.lang))],
                            events=[("link_failed", {"reason": "invalid or expired"})])
    keep, channel = link
    if channel == ctx.channel or keep == ctx.customer_id:
        return ActionResult(replies=[Reply(say("link_same", ctx.lang))])
    repo.merge_customers(ctx.session, keep=keep, drop=ctx.customer_id)
    return ActionResult(replies=[Reply(say("link_done", ctx.lang))],
                        events=[("customers_linked", {"into": keep, "from": ctx.customer_id,
                                                      "channels": [channel, ctx.channel]})])
