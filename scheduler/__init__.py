"""Time: the persistent outbox dispatcher (APScheduler drives it); care rules come later."""
