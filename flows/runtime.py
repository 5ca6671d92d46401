"""Runs one customer turn: continue the active flow or start one, and say what to reply.

The conversation state is a plain JSON dict (stored by the caller as the snapshot)::

    {"stack": [{"flow": "quote", "step": "ask_size", "slots": {...}, "retries": 0}],
     "resume_offer": null, "failed_turns": 0}
The last frame is the active flow; frames below it were interrupted by a topic switch and are
offered for resumption when the active one ends.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flows.actions import ActionContext, registry
from flows.conditions import compile_condition, evaluate
from flows.filling import corrections, prefill, says_correction
from flows.matching import is_exactly, normalise, parse_value
from flows.model import END, Bundle, Flow, Reply, Step, Text
from flows.templates import render
from flows.triggers import find_trigger, message_variants
from flows.turn import Env, Outcome, Turn

log = logging.getLogger(__name__)

MAX_STEPS_PER_TURN = 200


class Runtime:
    def __init__(self, bundle: Bundle, tz: ZoneInfo) -> None:
        self.bundle = bundle
        self.tz = tz
        self._actions = registry()

    # -- entry point ---------------------------------------------------------------------

    def handle(self, state: dict[str, Any], turn: Turn, env: Env) -> Outcome:
        return self._run(state, turn, env, lambda t: t.run())

    def start_flow(self, state: dict[str, Any], flow_name: str, slots: dict[str, Any],
                   turn: Turn, env: Env) -> Outcome:
        """Start ``flow_name`` without a customer message (a survey 2 h after service).

        A flow already running is interrupted as by a topic switch: it is offered for
        resumption when this one ends. ``turn.text`` is empty; ``turn.lang`` is the
        conversation's language.
        """
        if flow_name not in self.bundle.flows:
            raise KeyError(f"no flow named {flow_name!r}")

        def begin(t: _Turn) -> None:
            if t.stack:
                t.event("flow_interrupted", flow=t.stack[-1]["flow"], by=flow_name)
            t.st["resume_offer"] = None
            t.start(flow_name, "scheduled", slots)

        return self._run(state, turn, env, begin)

    def _run(self, state: dict[str, Any], turn: Turn, env: Env,
             body: Callable[[_Turn], None]) -> Outcome:
        out = Outcome(state=copy.deepcopy(state) if state else {})
        st = out.state
        st.setdefault("stack", [])
        st.setdefault("failed_turns", 0)
        body(_Turn(self, turn, env, out))
        # The buttons just shown: on channels without buttons (WeChat) customers answer "2".
        st["last_buttons"] = list(out.replies[-1].buttons) if out.replies else []
        return out


class _Turn:
    """The work of one turn; holds the reply list and the state being changed."""

    def __init__(self, rt: Runtime, turn: Turn, env: Env, out: Outcome) -> None:
        self.rt, self.b, self.turn, self.env, self.out = rt, rt.bundle, turn, env, out
        self.st = out.state
        self.norm = normalise(turn.text)
        self.lang = turn.lang
        self.steps_run = 0

    # -- helpers -------------------------------------------------------------------------

    def say(self, text: str, buttons: tuple[str, ...] = ()) -> None:
        self.out.replies.append(Reply(text, buttons))

    def msg(self, key: str, **values: Any) -> str:
        return self.b.message(key, self.lang, **values)

    def event(self, type_: str, **data: Any) -> None:
        self.out.events.append((type_, data))

    @property
    def stack(self) -> list[dict[str, Any]]:
        return self.st["stack"]  # type: ignore[no-any-return]

    def flow_of(self, frame: dict[str, Any]) -> Flow:
        return self.b.flows[frame["flow"]]

    def display(self, flow: Flow, slots: dict[str, Any], name: str, value: Any) -> str:
        return flow.label_of(name, value, self.lang)

    def words(self, key: str) -> list[str]:
        raw = self.b.settings.get(key, {})
        return [str(w) for w in raw] if isinstance(raw, list) else [
            str(w) for ws in raw.values() for w in ws]

    # -- the turn ------------------------------------------------------------------------

    def run(self) -> None:
        self.drop_stale_frames()
        if self.handle_global_words():
            return
        if self.st.get("resume_offer") and self.handle_resume_answer():
            return
        if self.stack:
            self.continue_flow()
            return
        trigger = self.find_trigger()
        if trigger:
            self.st["failed_turns"] = 0
            self.start(trigger[0], trigger[1])
        else:
            self.fallback()

    def drop_stale_frames(self) -> None:
        """After a hot reload a flow or step may be gone; end those frames quietly."""
        kept = []
        for frame in self.stack:
            flow = self.b.flows.get(frame.get("flow", ""))
            if flow is None or (frame.get("step") and flow.step(frame["step"]) is None):
                self.event("flow_ended", flow=frame.get("flow"), reason="script_changed")
            else:
                kept.append(frame)
        self.st["stack"] = kept
        if self.st.get("resume_offer") and len(kept) == 0:
            self.st["resume_offer"] = None

    def handle_global_words(self) -> bool:
        command = self.norm.split(" ", 1)[0] if self.norm.startswith("/") else ""
        if self.stack and (command == "/cancel" or is_exactly(self.norm, self.words("cancel_words"))):
            for frame in reversed(self.stack):
                self.event("flow_ended", flow=frame["flow"], reason="cancelled")
            self.st["stack"], self.st["resume_offer"] = [], None
            self.say(self.msg("cancelled"))
            return True
        if not self.stack and is_exactly(self.norm, self.words("cancel_words")):
            self.say(self.msg("resume_declined"))
            return True
        if self.stack and (command == "/restart" or is_exactly(self.norm, self.words("restart_words"))):
            frame = self.stack[-1]
            self.event("flow_restarted", flow=frame["flow"])
            frame.update(step=self.flow_of(frame).steps[0].id, slots={}, retries=0)
            self.say(self.msg("restarted"))
            self.advance(frame, self.flow_of(frame).steps[0].id)
            return True
        return False

    def handle_resume_answer(self) -> bool:
        offered = self.st.pop("resume_offer")
        yes = self.turn.intent == "affirm" or is_exactly(self.norm, message_variants(self.b, "resume_yes"))
        no = self.turn.intent == "deny" or is_exactly(self.norm, message_variants(self.b, "resume_no"))
        if yes and self.stack and self.stack[-1]["flow"] == offered:
            frame = self.stack[-1]
            self.event("flow_resumed", flow=frame["flow"])
            self.ask_again(frame)
            return True
        # Declined or moved on: the interrupted flow is dropped.
        while self.stack:
            self.event("flow_ended", flow=self.stack.pop()["flow"], reason="abandoned")
        if no:
            self.say(self.msg("resume_declined"))
            return True
        return False

    def continue_flow(self) -> None:
        frame = self.stack[-1]
        flow = self.flow_of(frame)
        step = flow.step(frame["step"])
        if step is None or step.kind != "collect":  # only a waiting collect is ever stored
            self.advance(frame, frame["step"] if step else flow.steps[0].id)
            return
        trigger = self.find_trigger(exclude=flow.name)
        if trigger and trigger[1] == "command":
            return self.switch(frame, trigger[0])
        strong = trigger and (trigger[1] == "keyword" or self.turn.confidence >= 0.8)
        if step.type == "text" and strong and flow.interruptible and trigger:
            return self.switch(frame, trigger[0])
        if says_correction(self.norm, self.words("correction_words")) and self.correct(frame, flow):
            return
        ok, value, reason = parse_value(step, self.turn.text, self.turn.entities,
                                        self.turn.now.date(), self.turn.intent)
        if ok:
            self.st["failed_turns"] = 0
            self.set_slot(frame, step.slot or "", value)
            self.prefill(flow, frame)
            frame["retries"] = 0
            self.advance(frame, self.next_of(flow, step))
            return
        # A bad answer ("0室", "138abc5678") is re-asked, not taken for a guessed topic.
        if trigger and flow.interruptible and (reason is None or trigger[1] == "keyword"):
            return self.switch(frame, trigger[0])
        if self.correct(frame, flow):  # "下周日吧" while asked something else
            return
        self.retry(frame, flow, step, reason)

    def correct(self, frame: dict[str, Any], flow: Flow) -> bool:
        """Replace answers the message changes, then run again from the first of them."""
        changed = corrections(flow, frame["slots"], self.turn.text, self.turn.entities,
                              self.turn.now.date())
        if not changed:
            return False
        for step, value in changed:
            self.event("slot_corrected", flow=flow.name, slot=step.slot,
                       old=frame["slots"].get(step.slot or ""), value=value)
            self.set_slot(frame, step.slot or "", value)
        self.st["failed_turns"] = 0
        frame["retries"] = 0
        self.say(self.msg("slot_corrected"))
        first = min(flow.index(step.id) for step, _ in changed)
        self.advance(frame, self.next_of(flow, flow.steps[first]))
        return True

    def retry(self, frame: dict[str, Any], flow: Flow, step: Step, reason: str | None) -> None:
        frame["retries"] = frame.get("retries", 0) + 1
        self.out.understood = False
        self.st["failed_turns"] = self.st.get("failed_turns", 0) + 1
        if frame["retries"] > step.max_retries:
            self.event("collect_failed", flow=flow.name, step=step.id, slot=step.slot)
            frame["retries"] = 0
            if step.on_fail:
                self.advance(frame, step.on_fail)
            else:
                self.say(self.msg("collect_failed"))
                self.end(frame, "failed")
            return
        if step.reask is not None:
            self.say(self.render(flow, frame, step.reask.get(self.lang)), self.buttons_of(step, frame))
            return
        detail = self.msg(reason, **step.validate) if reason else self.msg("reask")
        self.say(detail + "\n" + self.render(flow, frame, step.ask.get(self.lang) if step.ask
                                             else ""), self.buttons_of(step, frame))

    def switch(self, frame: dict[str, Any], flow_name: str) -> None:
        self.event("flow_interrupted", flow=frame["flow"], by=flow_name)
        self.start(flow_name, "switch")

    def fallback(self) -> None:
        self.out.understood = False
        self.st["failed_turns"] = self.st.get("failed_turns", 0) + 1
        self.event("fallback", text=self.turn.text[:200], intent=self.turn.intent)
        self.start(self.b.fallback_flow, "fallback")

    # -- triggers ------------------------------------------------------------------------

    def find_trigger(self, exclude: str | None = None) -> tuple[str, str] | None:
        return find_trigger(self.b, self.norm, self.lang, self.turn.intent,
                            self.turn.confidence, exclude=exclude)

    # -- running steps -------------------------------------------------------------------

    def start(self, flow_name: str, how: str, slots: dict[str, Any] | None = None) -> None:
        flow = self.b.flows[flow_name]
        frame: dict[str, Any] = {"flow": flow.name, "step": flow.steps[0].id,
                                 "slots": dict(slots or {}), "retries": 0}
        self.stack.append(frame)
        self.event("flow_started", flow=flow.name, trigger=how)
        self.prefill(flow, frame)
        self.advance(frame, flow.steps[0].id)

    def prefill(self, flow: Flow, frame: dict[str, Any]) -> None:
        """Fill every slot this message already answers ("下周六，两室一厅" fills two)."""
        found = prefill(flow, frame["slots"], self.turn.text, self.turn.entities,
                        self.turn.now.date())
        for name, value in found.items():
            self.set_slot(frame, name, value)

    def set_slot(self, frame: dict[str, Any], name: str, value: Any) -> None:
        if frame["slots"].get(name) != value:
            frame["slots"][name] = value
            self.event("slot_set", flow=frame["flow"], slot=name, value=value)

    def next_of(self, flow: Flow, step: Step) -> str:
        if step.next:
            return step.next
        i = flow.index(step.id)
        return flow.steps[i + 1].id if i + 1 < len(flow.steps) else END

    def advance(self, frame: dict[str, Any], target: str) -> None:
        """Run steps from ``target`` until one waits for the customer or the flow ends."""
        flow = self.flow_of(frame)
        while True:
            self.steps_run += 1
            if self.steps_run > MAX_STEPS_PER_TURN:
                log.error("flow %s loops without waiting for input", flow.name)
                self.event("flow_error", flow=flow.name, error="step limit exceeded")
                self.say(self.msg("flow_error"))
                return self.end(frame, "error")
            if target == END:
                return self.end(frame, "completed")
            step = flow.step(target)
            assert step is not None, f"validated flow {flow.name} has no step {target}"
            frame["step"] = step.id
            if step.kind == "say":
                assert step.text is not None
                buttons = tuple(b.get(self.lang) for b in step.buttons)
                self.say(self.render(flow, frame, step.text.get(self.lang)), buttons)
            elif step.kind == "collect":
                # A collect without a question is filled only when a message names it.
                if step.slot not in frame["slots"] and step.ask is not None:
                    self.say(self.render(flow, frame, step.ask.get(self.lang)),
                             self.buttons_of(step, frame))
                    return  # wait for the answer
            elif step.kind == "branch":
                target = self.branch(flow, step)
                continue
            elif step.kind == "action":
                if not self.call(flow, frame, step):
                    return self.end(frame, "error")
            elif step.kind == "goto":
                assert step.flow is not None
                slots = dict(frame["slots"])
                self.stack.pop()
                self.event("flow_ended", flow=flow.name, reason="goto", to=step.flow)
                return self.start(step.flow, "goto", slots)
            elif step.kind == "end":
                return self.end(frame, "completed")
            target = self.next_of(flow, step)

    def branch(self, flow: Flow, step: Step) -> str:
        for case in step.cases:
            if case.condition is None or evaluate(compile_condition(case.condition),
                                                  self.stack[-1]["slots"]):
                return case.target
        return self.next_of(flow, step)

    def call(self, flow: Flow, frame: dict[str, Any], step: Step) -> bool:
        spec = self.rt._actions[step.action or ""]
        ctx = ActionContext(
            bundle=self.b, slots=dict(frame["slots"]), lang=self.lang, text=self.turn.text,
            now=self.turn.now, tz=self.env.tz, customer_id=self.env.customer_id,
            conversation_id=self.env.conversation_id, session=self.env.session,
            channel=self.env.channel,
            args=step.args,
            display=lambda name: self.display(flow, frame["slots"], name, frame["slots"].get(name)),
            intent=self.turn.intent, entities=self.turn.entities,
        )
        try:
            result = spec.func(ctx)
        except Exception:  # an action bug must not take the conversation down
            log.exception("action %s failed in flow %s", spec.name, flow.name)
            self.event("action_executed", action=spec.name, ok=False)
            self.say(self.msg("flow_error"))
            return False
        for name, value in result.slots.items():
            if value is None:  # an action clears a slot to have its question asked again
                frame["slots"].pop(name, None)
            else:
                self.set_slot(frame, name, value)
        self.out.replies.extend(result.replies)
        for type_, data in result.events:
            self.event(type_, **data)
        self.event("action_executed", action=spec.name, ok=True)
        return True

    def end(self, frame: dict[str, Any], reason: str) -> None:
        if self.stack and self.stack[-1] is frame:
            self.stack.pop()
        self.event("flow_ended", flow=frame["flow"], reason=reason)
        if self.stack and reason == "completed":
            below = self.flow_of(self.stack[-1])
            self.st["resume_offer"] = below.name
            name = below.title.get(self.lang) if below.title else below.name
            self.say(self.msg("resume_offer", flow=name),
                     (self.msg("resume_yes"), self.msg("resume_no")))
        elif self.stack and reason != "completed":
            while self.stack:
                self.event("flow_ended", flow=self.stack.pop()["flow"], reason="abandoned")

    def ask_again(self, frame: dict[str, Any]) -> None:
        flow = self.flow_of(frame)
        step = flow.step(frame["step"])
        if step is not None and step.kind == "collect" and step.ask is not None:
            self.say(self.render(flow, frame, step.ask.get(self.lang)), self.buttons_of(step, frame))
        else:
            self.advance(frame, frame["step"])

    def buttons_of(self, step: Step, frame: dict[str, Any] | None = None) -> tuple[str, ...]:
        """Its choices, or the buttons an action chose (slot ``<slot>_buttons``: free slots)."""
        custom = frame["slots"].get(f"{step.slot}_buttons") if frame is not None else None
        if isinstance(custom, list):
            return tuple(b if isinstance(b, str) else Text(b).get(self.lang) for b in custom)
        return tuple(c.label.get(self.lang) for c in step.choices)

    def render(self, flow: Flow, frame: dict[str, Any], text: str) -> str:
        return render(text, frame["slots"],
                      lambda name, value: self.display(flow, frame["slots"], name, value))
