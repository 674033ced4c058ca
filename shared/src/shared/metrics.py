"""Prometheus metrics, one registry per service app (several apps share a process in embedded mode)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = {"service": service}
        self.http_latency = Histogram(
            "mutabik_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.events_consumed = Counter(
            "mutabik_events_consumed_total",
            "Events taken from the bus, by outcome",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "mutabik_outbox_published_total",
            "Events relayed from the outbox to the bus",
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "mutabik_outbox_backlog",
            "Events committed but not yet confirmed by the bus",
            registry=self.registry,
        )
        self.info = Gauge(
            "mutabik_service_info", "Service identity", ["service"], registry=self.registry
        )
        self.info.labels(**labels).set(1)

    def event_outcome(self, event_type: str, outcome: str) -> None:
        self.events_consumed.labels(type=event_type, outcome=outcome).inc()
