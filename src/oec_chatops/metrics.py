"""Prometheus metrics, on a registry owned by the container (no module-level state).

Counters and histograms are created per `Metrics` instance, so two bots in one test process
never share numbers; gauges that mirror the database (outbox depth, approvals by state) are read
at scrape time by a collector instead of being kept in sync by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _StoreCollector(Collector):
    def __init__(self, read: Callable[[], dict[str, float | dict[str, float]]]) -> None:
        self._read = read

    def collect(self) -> Iterable[Metric]:
        values = self._read()
        for name, value in values.items():
            if isinstance(value, dict):
                family = GaugeMetricFamily(
                    f"oec_chatops_{name}", f"{name.replace('_', ' ')} by state", labels=["state"]
                )
                for state, count in value.items():
                    family.add_metric([state], count)
                yield family
            else:
                yield GaugeMetricFamily(f"oec_chatops_{name}", name.replace("_", " "), value=value)


class Metrics:
    """Everything /metrics shows."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = self._counter("http_requests", "HTTP requests served", "route status")
        self.signature_failures = self._counter(
            "signature_failures", "Requests refused for their signature", "source reason"
        )
        self.commands = self._counter(
            "commands", "Slash commands by verb and result", "verb result"
        )
        self.api_calls = Histogram(
            "oec_chatops_api_call_seconds",
            "oec.sh API calls (each attempt) by endpoint and status; status error: no answer",
            ["endpoint", "status"],
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
            registry=self.registry,
        )
        self.deliveries = self._counter(
            "webhook_deliveries", "Webhook deliveries by outcome", "outcome"
        )
        self.slack_calls = self._counter(
            "slack_calls", "Slack Web API calls by method and result", "method result"
        )

    def _counter(self, name: str, documentation: str, labels: str) -> Counter:
        """`oec_chatops_<name>` on this instance's registry; `labels` split on spaces."""
        return Counter(f"oec_chatops_{name}", documentation, labels.split(), registry=self.registry)

    def observe_api_call(self, endpoint: str, status: int | None, seconds: float) -> None:
        """The oec client's `on_attempt` hook: one observation per HTTP attempt."""
        self.api_calls.labels(endpoint, str(status) if status is not None else "error").observe(
            seconds
        )

    def watch_store(self, read: Callable[[], dict[str, float | dict[str, float]]]) -> None:
        """Report database-derived gauges (outbox depth, oldest row age, approvals) at scrape time."""
        self.registry.register(_StoreCollector(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
