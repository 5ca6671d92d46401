"""Opt-out and opt-in in the conversation: honoured at once, confirmed in the customer's
language, and pending proactive rows of an opted-out customer are skipped at dispatch."""

from __future__ import annotations

from datetime import timedelta

from flows.actions.subscription import wants
from flows.business.messaging import config_of
from storage import repo
from storage.outbox import NewOutbox
from storage.profiles import get_profile

from .test_survey_world import World
from .test_survey_world import world_fixture as world_fixture


def opted_out(world: World) -> bool:
    with world.db.read() as s:
        profile = get_profile(s, world.customer_id)
    return bool(profile and profile.data.get("opted_out"))


def care_row(world: World, key: str) -> None:
    with world.db.session() as s:
        repo.enqueue(s, [NewOutbox(key, world.customer_id, "web", world.user,
                                   {"text": f"关怀 {key}"}, kind="care",
                                   due_at=world.now + timedelta(minutes=5))])


def test_opt_out_is_confirmed_at_once_and_pending_care_is_skipped(world: World) -> None:
    world.say("你好")
    care_row(world, "care:t-3d:1")
    assert world.replies("退订") == [
        "已为您退订关怀和营销消息，我们不会再主动给您发消息。如需恢复，回复“订阅”即可。"]
    assert opted_out(world)
    world.dispatch(world.now + timedelta(minutes=10))
    [row] = world.outbox(kind="care")
    assert (row.status, row.last_error) == ("skipped", "opted_out")
    assert world.web.texts == []
    assert world.replies("订阅") == [
        "已为您恢复订阅，您会继续收到服务提醒和关怀消息。回复“退订”可随时取消。"]
    assert not opted_out(world)
    care_row(world, "care:t-3d:2")
    world.dispatch(world.now + timedelta(minutes=10))
    assert world.web.texts == ["关怀 care:t-3d:2"]


def test_the_stop_command_opts_out_and_is_recorded(world: World) -> None:
    [reply] = world.replies("/stop")
    assert reply.startswith("已为您退订")  # a new customer's language defaults to zh
    assert opted_out(world)
    assert world.events("opted_out") == [{"changed": True}]
    assert world.replies("/stop") == ["您已经退订了，我们不会主动给您发消息。回复“订阅”可恢复。"]
    assert world.events("opted_out")[-1] == {"changed": False}


def test_which_way_a_message_goes() -> None:
    cfg = config_of(None)
    out, in_ = cfg.words("out"), cfg.words("in")
    assert wants("取消订阅", None, out, in_) == "out"  # contains 订阅, but opting out wins
    assert wants("unsubscribe", None, out, in_) == "out"  # "subscribe" is a whole word only
    assert wants("subscribe", None, out, in_) == "in"
    assert wants("别再给我发广告了", "unsubscribe", out, in_) == "out"
    assert wants("/subscribe", None, out, in_) == "in"
