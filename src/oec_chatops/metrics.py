"""Prometheus metrics, on a registry owned by the container (no module-level state).

Counters and histograms are created per `Metrics` instance, so two bots in one test process
never share numbers; gauges that mirror the database (outbox depth, approvals by state) are read
at scrape time by a collector instead of being kept in sync by hand.
"""

from __future__ import annotations

import logging
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


# The oec client logs one record per HTTP attempt (`oec.session.ApiSession._log`) with the
# endpoint template, the status and the duration: the API-call metrics are read from those.
API_CLIENT_LOGGER = "oec_chatops.oec.client"
_API_EVENTS = frozenset({"oec.request", "oec.request_failed"})


class ApiCallRecorder(logging.Handler):
    """Feeds `oec_chatops_api_call_seconds` from the oec client's per-attempt log records.

    The client has no metrics hook; its log record for each attempt is the one place that
    knows the endpoint template (`GET /environments/{env_id}`, never the ids), the status and
    the time taken, retries included. `attach()` also lets INFO records reach this handler when
    the configured level is higher; the stderr handler filters by its own level, so nothing
    more is printed.
    """

    def __init__(self, histogram: Histogram) -> None:
        super().__init__(level=logging.DEBUG)
        self._histogram = histogram
        self._logger = logging.getLogger(API_CLIENT_LOGGER)
        self._level_before: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg not in _API_EVENTS:
            return
        fields = record.__dict__
        endpoint = str(fields.get("endpoint") or "unknown")
        status = fields.get("status")
        seconds = float(fields.get("duration_ms") or 0.0) / 1000
        self._histogram.labels(endpoint, str(status) if status is not None else "error").observe(
            seconds
        )

    def attach(self) -> None:
        if not self._logger.isEnabledFor(logging.INFO):
            self._level_before = self._logger.level
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)

    def detach(self) -> None:
        self._logger.removeHandler(self)
        if self._level_before is not None:
            self._logger.setLevel(self._level_before)
            self._level_before = None


class Metrics:
    """Everything /metrics shows."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.http_requests = Counter(
            "oec_chatops_http_requests", "HTTP requests served", ["route", "status"], registry=r
        )
        self.signature_failures = Counter(
            "oec_chatops_signature_failures",
            "Requests refused for their signature",
            ["source", "reason"],
            registry=r,
        )
        self.commands = Counter(
            "oec_chatops_commands",
            "Slash commands by verb and result",
            ["verb", "result"],
            registry=r,
        )
        self.api_calls = Histogram(
            "oec_chatops_api_call_seconds",
            "oec.sh API calls (each attempt) by endpoint and status; status error: no answer",
            ["endpoint", "status"],
            buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0),
            registry=r,
        )
        self.deliveries = Counter(
            "oec_chatops_webhook_deliveries",
            "Webhook deliveries by outcome",
            ["outcome"],
            registry=r,
        )
        self.slack_calls = Counter(
            "oec_chatops_slack_calls",
            "Slack Web API calls by method and result",
            ["method", "result"],
            registry=r,
        )

    def api_call_recorder(self) -> ApiCallRecorder:
        """A log handler that counts the oec client's calls here; `attach()` it while serving."""
        return ApiCallRecorder(self.api_calls)

    def watch_store(self, read: Callable[[], dict[str, float | dict[str, float]]]) -> None:
        """Report database-derived gauges (outbox depth, oldest row age, approvals) at scrape time."""
        self.registry.register(_StoreCollector(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
