"""How a message travels: store -> lock conversation -> NLU -> handoff -> flows -> outbox
(one transaction).

``handle`` serves synchronous channels (web chat): the inbound row, the state change, the
events and the outbox rows commit together, and a repeated message id returns the replies
already produced instead of new ones. ``accept`` + ``process`` serve webhooks: the message
is stored (and so can be acknowledged) first, then processed.

Handoff (bot/handoff_route.py) sits between NLU and the flows: a conversation queued for a
person or with an agent never reaches the flows, and a trigger (an explicit request, anger,
an urgent complaint, failed turns) queues it in the same transaction.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from bot.channels.base import InboundMessage, Media
from bot.guard import has_words, screen
from bot.handoff_route import after_flows, before_flows
from flows.business.handoff_config import cached_config
from flows.model import Reply
from flows.reload import BundleHolder
from flows.runtime import Runtime
from flows.triggers import expand_number
from flows.turn import Env, Turn
from nlu.base import NLU, ParseResult
from nlu.language import detect
from storage import repo
from storage.db import Database
from storage.repo import NewEvent, NewOutbox

log = logging.getLogger(__name__)

DEFAULT_LANG = "zh"


@dataclass(frozen=True, slots=True)
class HandleResult:
    conversation_id: str
    replies: tuple[Reply, ...]
    duplicate: bool = False
    handoff: bool = False
    inbound_id: int | None = None
    active_flow: str | None = None
    queued: int = 0  # replies left in the outbox for the delivery worker


@dataclass
class _Work:
    """What one processed message produces, written in one go."""

    lang: str
    replies: list[Reply] = field(default_factory=list)
    events: list[NewEvent] = field(default_factory=list)
    state: dict[str, Any] | None = None
    active_flow: str | None = None
    status: str | None = None  # the handoff status after the message (None: unchanged)


WAITING = ("queued", "agent")  # with a person: the bot does not answer


class Pipeline:
    def __init__(self, db: Database, nlu: NLU, scripts: BundleHolder, *, tz: Any,
                 max_text_chars: int = 4000,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.db, self.nlu, self.scripts, self.tz = db, nlu, scripts, tz
        self.max_text_chars = max_text_chars
        self.clock = clock or (lambda: datetime.now(tz))
        #: called after a commit that left outbox rows to push (wakes the delivery worker)
        self.on_outbox: Callable[[], None] = lambda: None

    # -- entry points --------------------------------------------------------------------

    def handle(self, msg: InboundMessage, *,
               inline: int | Callable[[], int] | None = None) -> HandleResult:
        """Store and process in one transaction; a duplicate returns the original replies.

        ``inline``: how many replies the caller delivers itself in its HTTP response (all
        for web chat, the passive reply for WeChat; a callable is asked just before the
        replies are written, so a caller whose deadline passed can leave them all to the
        outbox, committed with the message); the rest wait in the outbox.
        The conversation is locked before the message is recorded, so a repeat arriving
        at the same moment waits, then finds the original and replays its answer.
        """
        msg = storable(msg)
        with self.db.transaction() as s:
            conv = repo.conversation_for(s, msg.channel, msg.sender,
                                         display_name=msg.display_name, lang=msg.lang_hint)
            inbound_id = self._record(s, msg, status="processed", conversation_id=conv.id)
            if inbound_id is None:
                return self._replay(s, msg)
            result = self._process(s, inbound_id, msg, conv, inline=inline)
        if result.queued:
            self.on_outbox()
        return result

    def accept(self, msg: InboundMessage) -> int | None:
        """Store only (then acknowledge); None for a message seen before."""
        msg = storable(msg)
        with self.db.transaction() as s:
            return self._record(s, msg)

    def process(self, inbound_id: int) -> HandleResult | None:
        """Process a stored message once; None if it is unknown or was already processed."""
        with self.db.transaction() as s:
            row = repo.inbound_to_process(s, inbound_id)
            if row is None:
                return None
            payload = row.payload
            msg = InboundMessage(
                channel=row.channel, message_id=row.external_id, sender=row.sender,
                text=row.text, kind=str(payload.get("_kind", "text")),
                lang_hint=payload.get("_lang_hint"), received_at=row.received_at,
                display_name=payload.get("_name"), event=payload.get("_event"),
                media=tuple(Media(**m) for m in payload.get("_media", ())))
            conv = repo.conversation_for(s, msg.channel, msg.sender, lang=msg.lang_hint,
                                         display_name=msg.display_name)
            result = self._process(s, inbound_id, msg, conv, inline=0)
            repo.mark_inbound(s, inbound_id, status="processed", conversation_id=conv.id)
        if result.replies:
            self.on_outbox()
        return result

    def resume_pending(self, *, received_before: datetime | None = None) -> int:
        """Process messages stored but never processed: at start (the process stopped in
        between) and periodically (``received_before``: the database went away between
        acknowledging a message and processing it). A message whose processing raises is
        marked failed; while the database itself is unreachable they all stay pending."""
        done = 0
        while True:
            with self.db.read() as s:
                ids = repo.pending_inbound_ids(s, limit=100, received_before=received_before)
            if not ids:
                return done
            for inbound_id in ids:
                try:
                    self.process(inbound_id)
                except OperationalError:
                    raise  # the database, not the message: leave it pending for next time
                except Exception:
                    log.exception("stored message %s could not be processed", inbound_id)
                    with self.db.session() as s:
                        repo.mark_inbound(s, inbound_id, status="failed",
                                          error="processing raised; see the log")
                done += 1

    # -- internals -----------------------------------------------------------------------

    @staticmethod
    def _record(s: Connection, msg: InboundMessage, *, status: str = "pending",
                conversation_id: int | None = None) -> int | None:
        payload = {**msg.raw, "_kind": msg.kind, "_lang_hint": msg.lang_hint,
                   "_name": msg.display_name, "_event": msg.event,
                   "_media": [m.to_dict() for m in msg.media]}
        return repo.record_inbound(s, channel=msg.channel, external_id=msg.message_id,
                                   sender=msg.sender, text=msg.text, payload=payload,
                                   received_at=msg.received_at, status=status,
                                   conversation_id=conversation_id)

    def _replay(self, s: Connection, msg: InboundMessage) -> HandleResult:
        inbound_id, public_id, payloads = repo.replay_of(s, msg.channel, msg.message_id)
        replies = tuple(Reply(p.get("text", ""), tuple(p.get("buttons", ()))) for p in payloads)
        return HandleResult(public_id, replies, duplicate=True, inbound_id=inbound_id)

    def _process(self, s: Connection, inbound_id: int, msg: InboundMessage,
                 conv: repo.ConversationRow, *,
                 inline: int | Callable[[], int] | None) -> HandleResult:
        now = self.clock()
        work = self._understand_and_reply(s, conv, msg, now)
        if work.status is None and conv.status in WAITING:
            work.replies.clear()  # media or unreadable input while with a person: theirs
        status = work.status or ("bot" if conv.status == "closed" else conv.status)
        ts = now
        events = [NewEvent("message_in", "customer", {"text": msg.text, "kind": msg.kind,
                                                      "lang": work.lang, "channel": msg.channel}),
                  *work.events]
        events += [NewEvent("message_out", "bot", r.to_dict()) for r in work.replies]
        repo.append_events(s, conv, events, inbound_id=inbound_id, ts=ts)
        if callable(inline):
            inline = inline()
        repo.enqueue(s, [
            NewOutbox(idempotency_key=f"in{inbound_id}:{i}", customer_id=conv.customer_id,
                      channel=msg.channel, recipient=msg.sender, payload=r.to_dict(),
                      conversation_id=conv.id, inbound_id=inbound_id,
                      status="sent" if inline is None or i < inline else "pending")
            for i, r in enumerate(work.replies)
        ])
        state = work.state if work.state is not None else conv.state
        repo.save_conversation(s, conv, state=state, lang=work.lang, status=status)
        return HandleResult(conv.public_id, tuple(work.replies), inbound_id=inbound_id,
                            handoff=status in WAITING, active_flow=work.active_flow,
                            queued=0 if inline is None else max(0, len(work.replies) - inline))

    def _reply_lang(self, text: str | None, msg: InboundMessage, conv: repo.ConversationRow) -> str:
        # A command ("/quote") says nothing about the customer's language.
        detected = detect(text) if text and not text.lstrip().startswith("/") else None
        if detected in ("zh", "en"):
            return detected
        return msg.lang_hint or conv.lang or DEFAULT_LANG

    def _understand_and_reply(self, s: Connection, conv: repo.ConversationRow, msg: InboundMessage,
                              now: datetime) -> _Work:
        bundle = self.scripts.bundle
        text = msg.text
        lang = self._reply_lang(text, msg, conv)
        work = _Work(lang)
        if msg.event == "unsubscribe":  # the customer left the channel: note it, say nothing
            repo.set_profile(s, conv.customer_id, **{f"{msg.channel}_unsubscribed": True})
            work.events.append(NewEvent("channel_unsubscribed", "customer", {}))
            return work
        if msg.media:
            work.events.append(NewEvent("media_received", "customer",
                                        {"media": [m.to_dict() for m in msg.media]}))
        if msg.kind == "unsupported" and not text:  # e.g. a voice note without recognition
            work.events.append(NewEvent("bad_input", "system", {"reason": "unsupported_type"}))
            work.replies.append(Reply(bundle.message("unsupported_type", lang)))
            return work
        if msg.media and not text:
            # In a flow (a complaint asking for photos) the flow picks the media up when the
            # customer says they are done; otherwise ask what the file is about.
            busy = bool((conv.state or {}).get("stack"))
            work.replies.append(Reply(bundle.message(
                "media_received_in_flow" if busy else "media_received", lang)))
            return work
        if text is not None:
            text = expand_number(bundle, conv.state or {}, text)
        problem = screen(text, max_chars=self.max_text_chars)
        if problem is None and text is not None:
            if detect(text) == "other":
                problem = "unsupported_language"
            elif not has_words(text) and not (conv.state or {}).get("stack"):
                problem = "no_text"
        if problem is not None:
            work.events.append(NewEvent("bad_input", "system", {"reason": problem}))
            work.replies.append(Reply(bundle.message(problem, lang, limit=self.max_text_chars)))
            return work
        assert text is not None
        parse = self.nlu.parse(text, now=now)
        work.events.append(NewEvent("nlu", "system", _annotation(parse)))
        handoff = cached_config(bundle.section("handoff"))
        routing = before_flows(s, conv, text, parse, lang, now, handoff, self.tz)
        if not routing.done:
            runtime = Runtime(bundle, self.tz)
            outcome = runtime.handle(
                routing.state,
                Turn(text=text, lang=lang, now=now, intent=parse.intent.name,
                     confidence=parse.intent.confidence, entities=parse.entities),
                Env(tz=self.tz, customer_id=conv.customer_id, conversation_id=conv.id, session=s,
                    channel=msg.channel),
            )
            work.replies.extend(outcome.replies)
            work.events.extend(NewEvent(t, "bot", d) for t, d in outcome.events)
            work.active_flow = outcome.active_flow
            routing.state = outcome.state
            after_flows(s, conv, routing, text, outcome.events, bundle, now, handoff,
                        self.tz)
        work.replies.extend(routing.replies)
        work.events.extend(routing.events)
        work.state, work.status = routing.state, routing.status
        return work


def storable(msg: InboundMessage) -> InboundMessage:
    """PostgreSQL text and JSON cannot hold NUL; keep the message, mark the bytes unreadable."""
    if msg.text is not None and "\x00" in msg.text:
        return dataclasses.replace(msg, text=msg.text.replace("\x00", "\ufffd"))
    return msg


def _annotation(parse: ParseResult) -> dict[str, Any]:
    return {"intent": parse.intent.name, "confidence": round(parse.intent.confidence, 4),
            "entities": [e.to_dict() for e in parse.entities],
            "sentiment": parse.sentiment.to_dict(), "lang": parse.lang}
