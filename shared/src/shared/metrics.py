"""Prometheus metrics, one registry per service app (several apps share a process in embedded mode).

Every service exposes them all at ``/<service>/metrics``; the e-mail counters move in notifier
only. Gauges read from elsewhere (outbox backlog, dead letters) are set when scraped.
docs/operations.md lists them."""

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
        self.dead_letters = Gauge(
            "mutabik_dead_letters",
            "Events parked in this service's dead-letter queue, waiting for an operator",
            registry=self.registry,
        )
        self.emails = Counter(
            "mutabik_emails_total",
            "E-mails settled: sent (to at least one recipient) or failed (to none), by kind",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.smtp_attempts = Counter(
            "mutabik_smtp_attempts_total",
            "What an SMTP server did with one recipient of one e-mail: sent, temporary, permanent",
            ["outcome"],
            registry=self.registry,
        )
        self.info = Gauge(
            "mutabik_service_info", "Service identity", ["service"], registry=self.registry
        )
        self.info.labels(**labels).set(1)

    def event_outcome(self, event_type: str, outcome: str) -> None:
        self.events_consumed.labels(type=event_type, outcome=outcome).inc()

    def email_settled(self, kind: str, outcome: str) -> None:
        self.emails.labels(kind=kind, outcome=outcome).inc()
