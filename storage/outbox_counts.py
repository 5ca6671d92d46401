"""How many proactive messages each customer has had today: the daily cap's count.

Counted at dispatch time inside the claim's transaction (scheduler/hygiene.py): rows sent
since the customer's local midnight, plus rows other claimed batches are sending right now.
``lock_customers`` first makes concurrent claims for the same customer take turns on
PostgreSQL (SQLite's write transaction is already exclusive), so the second one counts the
first one's rows once they are ``sending`` and the cap holds.

On PostgreSQL the count is one statement with a correlated probe per customer on
``ix_outbox_customer_sent``: an ``IN`` list of a batch's 200 customers on a table without
planner statistics was estimated to match every row and read with a sequential scan
(200 ms a batch at 1 M rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import func, or_, select, text

from storage.conn import Tx, conn_of
from storage.models import OutboxMessage

#: pg_advisory_xact_lock(CAP_LOCK, customer id): the two-key lock space (bookings use the
#: one-key space), held until the claim commits
CAP_LOCK = 7007
_ACTIVE = text("status IN ('pending', 'sending')")  # ix_outbox_active's WHERE, for SQLite

_COUNT_PG = text("""
SELECT c.id,
  (SELECT count(*) FROM outbox o WHERE o.customer_id = c.id AND o.sent_at >= c.since
     AND o.status = 'sent' AND o.kind = ANY(CAST(:kinds AS text[])))
  + (SELECT count(*) FROM outbox o WHERE o.customer_id = c.id AND o.sent_at IS NULL
     AND o.status = 'sending' AND o.kind = ANY(CAST(:kinds AS text[]))
     AND o.claim_token IS DISTINCT FROM :token)
FROM unnest(CAST(:ids AS integer[]), CAST(:sinces AS timestamptz[])) AS c(id, since)
""")


def lock_customers(tx: Tx, customers: Iterable[int]) -> None:
    """PostgreSQL: take each customer's cap lock, in id order (two claims never wait on each
    other in a circle), until the transaction ends. SQLite: nothing to do."""
    conn = conn_of(tx)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:ns, c) FROM "
                          "(SELECT unnest(CAST(:ids AS integer[])) AS c ORDER BY c) AS ordered"),
                     {"ns": CAP_LOCK, "ids": sorted(set(customers))})


def used_today(tx: Tx, since: Mapping[int, datetime], kinds: Iterable[str],
               claim_token: str) -> dict[int, int]:
    """Per customer: rows of ``kinds`` sent since ``since[customer]`` (their local midnight)
    plus rows of other claims (not ``claim_token``) being sent now."""
    if not since:
        return {}
    conn = conn_of(tx)
    kinds = sorted(kinds)
    ids = sorted(since)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(_COUNT_PG, {"ids": ids, "sinces": [since[c] for c in ids],
                                        "kinds": kinds, "token": claim_token})
        return {int(cid): int(n) for cid, n in rows if n}
    o = OutboxMessage
    used: dict[int, int] = {}
    by_day: dict[datetime, list[int]] = {}
    for cid in ids:
        by_day.setdefault(since[cid], []).append(cid)
    for day, group in by_day.items():
        for cid, n in conn.execute(
                select(o.customer_id, func.count())
                .where(o.customer_id.in_(group), o.sent_at >= day, o.status == "sent",
                       o.kind.in_(kinds)).group_by(o.customer_id)):
            used[int(cid)] = int(n)
    for cid, n in conn.execute(
            select(o.customer_id, func.count())
            .where(_ACTIVE, o.status == "sending", o.customer_id.in_(ids), o.kind.in_(kinds),
                   or_(o.claim_token.is_(None), o.claim_token != claim_token))
            .group_by(o.customer_id)):
        used[int(cid)] = used.get(int(cid), 0) + int(n)
    return used
