"""``request_human``: the customer wants a person.

The action only records the wish as a ``handoff_requested`` event (flows know nothing of
the queue); the pipeline queues the conversation in the same transaction and tells the
customer their place (bot/handoff_route.py). Importing the section module here registers
the ``handoff:`` script section with the loader.
"""

from __future__ import annotations

from flows.actions import ActionContext, ActionResult, action
from flows.business import handoff_config  # noqa: F401  (registers the `handoff:` section)


@action("request_human")
def request_human(ctx: ActionContext) -> ActionResult:
    reason = str(ctx.args.get("reason", "asked"))
    return ActionResult(events=[("handoff_requested", {"reason": reason, "text": ctx.text[:200]})])
