"""A completed booking is surveyed 2 hours later, exactly once, through the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models_business import PointsEntry, SurveyResponse
from storage.repo import Claimed
from storage.types import utcnow

from .test_survey_world import World, world_fixture  # noqa: F401  (fixture)

INTRO = "/订单 B\\d+ 已完成/"


def survey_texts(w: World) -> list[str]:
    return [t for t in w.web.texts if "这次服务满意吗" in t or "已完成，感谢选择我们" in t]


def test_completion_schedules_the_survey_two_hours_later(world: World) -> None:
    world.say("你好")
    public_id = world.book_and_complete()
    [row] = world.outbox(kind="flow")
    assert row.ref == f"booking:{public_id}" and row.idempotency_key == f"survey:{public_id}"
    assert row.payload == {"flow": "survey", "postpone_minutes": 30,
                           "slots": {"booking_id": public_id, "service_type": "cleaning"}}
    assert row.due_at == world.now + timedelta(hours=2) and row.channel == "web"


def test_the_survey_starts_once_and_its_messages_go_out_once(world: World) -> None:
    world.say("你好")
    completed = world.now
    public_id = world.book_and_complete()

    world.dispatch(completed + timedelta(hours=1, minutes=59))
    assert survey_texts(world) == [] and world.events("survey_started") == []

    first = world.dispatch(completed + timedelta(hours=2))
    second = world.dispatch(completed + timedelta(hours=2, minutes=1))
    third = world.dispatch(completed + timedelta(hours=2, minutes=2))
    assert world.events("survey_started") == [{"booking_id": public_id}]
    assert len(world.events("proactive_started")) == 1
    assert survey_texts(world) == [
        f"您好！您的订单 {public_id} 已完成，感谢选择我们 🙏 想请您花半分钟评价一下这次服务。",
        "总体来说，您对这次服务满意吗？（1 分最低，5 分最高）"]
    assert second.sent >= 2 and third.claimed == 0 and first.claimed >= 1
    [flow_row] = world.outbox(kind="flow")
    assert flow_row.status == "sent"

    # The same row handed over again (a retry after a crash) starts nothing new.
    again = world.starter()(Claimed(flow_row.id, "web", world.user, dict(flow_row.payload),
                                    flow_row.idempotency_key, 2, "flow"))
    assert again.ok and len(world.events("proactive_started")) == 1
    assert len(world.outbox(kind="survey")) == 2


def test_answers_are_stored_once_per_booking_with_points(world: World) -> None:
    world.say("你好")
    completed = world.now
    public_id = world.book_and_complete()
    world.dispatch(completed + timedelta(hours=2))

    assert world.replies("非常满意")[0].startswith("您有多大可能")
    world.say("9")
    world.say("6")
    [thanks] = world.replies("阿姨很仔细")
    assert thanks.startswith("非常感谢您的好评！已为您赠送 50 积分 🎉\n小贴士：保洁后")
    assert world.events("survey_answered")[-1] == {
        "csat": 5, "nps": 9, "ces": 6, "booking_id": public_id, "outcome": "thanks",
        "stored": True}
    with world.db.read() as s:
        [response] = s.execute(select(SurveyResponse)).scalars()
        survey_points = list(s.execute(select(PointsEntry.delta).where(
            PointsEntry.reason == "survey", PointsEntry.ref == public_id)).scalars())
    assert (response.csat, response.nps, response.ces, response.comment) == (5, 9, 6, "阿姨很仔细")
    assert survey_points == [50]

    # Asking to rate again: that booking is done, so it is general feedback without points.
    world.say("我要评价")
    world.say("5")
    world.say("10")
    world.say("7")
    assert world.replies("跳过") == ["非常感谢您的好评！🎉\n小贴士：定期通风、保持干燥，能让家里更舒适。"]


def test_a_second_invitation_for_a_rated_booking_says_nothing(world: World) -> None:
    world.say("你好")
    completed = world.now
    public_id = world.book_and_complete()
    world.dispatch(completed + timedelta(hours=2))  # starts the survey
    world.dispatch(completed + timedelta(hours=2))  # sends its questions
    for answer in ("一般", "5", "5", "跳过"):
        world.say(answer)
    assert world.events("voucher_issued")[0]["booking_id"] == public_id

    sent_before = len(world.web.sent)
    result = world.starter()(Claimed(999, "web", world.user, {"flow": "survey", "slots": {
        "booking_id": public_id, "service_type": "cleaning"}}, "survey:again", 1, "flow"))
    world.dispatch(world.now + timedelta(minutes=1))
    assert result.ok and len(world.web.sent) == sent_before
    assert len(world.events("survey_started")) == 1


def test_a_busy_customer_is_not_interrupted_but_asked_later(world: World) -> None:
    world.say("你好")
    completed = world.now
    world.book_and_complete()
    world.now = completed + timedelta(hours=1, minutes=59)
    world.say("我要投诉")  # the customer is in the middle of a complaint when the survey is due

    world.dispatch(completed + timedelta(hours=2))
    [row] = world.outbox(kind="flow")
    assert row.status == "pending" and "postponed" in (row.last_error or "")
    assert survey_texts(world) == []
    assert world.replies("算了") == ["好的，已取消。还有什么可以帮您？"]

    # The dispatcher's back-off runs on the real clock: 30 minutes from now.
    world.dispatch(utcnow() + timedelta(minutes=31))
    world.dispatch(utcnow() + timedelta(minutes=32))
    assert len(survey_texts(world)) == 2
