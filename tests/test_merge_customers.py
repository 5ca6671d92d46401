"""Linking two channels merges two customers: points, referral codes and records move once."""

from __future__ import annotations

from sqlalchemy import select

from storage import repo
from storage.db import Database
from storage.loyalty import add_points, balance
from storage.migrate import upgrade
from storage.models import Customer
from storage.models_business import PointsEntry, ReferralCode


def test_merge_moves_points_once_and_keeps_one_referral_code(db_url: str) -> None:
    upgrade(db_url)
    db = Database(db_url)
    try:
        with db.transaction() as tx:
            keep = repo.ensure_identity(tx, "wechat", "o-keep").customer_id
            drop = repo.ensure_identity(tx, "telegram", "t-drop").customer_id
            add_points(tx, keep, 50, "survey", "B1")
            add_points(tx, drop, 50, "survey", "B1")     # the same award on both: counted once
            add_points(tx, drop, 200, "referral", "c9")
            tx.execute(ReferralCode.__table__.insert(), [
                {"code": "KEEP01", "customer_id": keep, "created_at": repo.utcnow()},
                {"code": "DROP01", "customer_id": drop, "created_at": repo.utcnow()}])
            repo.merge_customers(tx, keep=keep, drop=drop)
        with db.transaction() as tx:
            assert balance(tx, keep) == 250
            rows = tx.execute(select(PointsEntry.reason, PointsEntry.ref, PointsEntry.delta)
                              .where(PointsEntry.customer_id == keep)
                              .order_by(PointsEntry.reason)).all()
            assert [tuple(r) for r in rows] == [("referral", "c9", 200), ("survey", "B1", 50)]
            codes = tx.execute(select(ReferralCode.code, ReferralCode.customer_id)).all()
            assert [tuple(c) for c in codes] == [("KEEP01", keep)]
            assert tx.execute(select(Customer.id).where(Customer.id == drop)).first() is None
    finally:
        db.dispose()
