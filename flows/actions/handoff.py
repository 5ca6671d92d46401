"""``request_human``: record that the customer wants a person (the handoff issue queues it)."""

from __future__ import annotations

from flows.actions import ActionContext, ActionResult, action


@action("request_human")
def request_human(ctx: ActionContext) -> ActionResult:
    reason = str(ctx.args.get("reason", "asked"))
    return ActionResult(events=[("handoff_requested", {"reason": reason, "text": ctx.text[:200]})])
