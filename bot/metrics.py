"""Prometheus metrics served at ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES_IN = Counter("careline_messages_in_total", "Inbound messages processed",
                      ["channel"], registry=REGISTRY)
DUPLICATES = Counter("careline_duplicate_messages_total", "Inbound messages dropped as repeats",
                     ["channel"], registry=REGISTRY)
REPLIES = Counter("careline_replies_total", "Bot replies produced", ["channel"],
                  registry=REGISTRY)
PIPELINE_SECONDS = Histogram(
    "careline_pipeline_seconds", "Time to store, understand and answer one message",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=REGISTRY)
FLOWS_VERSION = Gauge("careline_flows_version", "Version counter of the live flow scripts",
                      registry=REGISTRY)
OUTBOX_SENT = Counter("careline_outbox_sent_total", "Outbox messages delivered", ["channel"],
                      registry=REGISTRY)
OUTBOX_FAILED = Counter("careline_outbox_failed_total", "Outbox messages that failed for good",
                        ["channel", "reason"], registry=REGISTRY)
