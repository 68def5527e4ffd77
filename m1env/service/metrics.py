"""Prometheus metrics of one service instance (its own registry, served at ``/metrics``).

``m1env_http_requests_total{route,method,status}``, ``m1env_http_request_seconds{route}``
(latency histogram), ``m1env_http_inflight``, ``m1env_scores_total{verifier,status}``,
``m1env_sandbox_runs_total{verifier,backend}`` (which sandbox backend ran each code/SWE
score and ``/run_code`` call; ``none`` when none could run) and
``m1env_rejected_total{reason}`` (host, origin, auth, rate, media_type, size, json,
invalid); plus the generative reward model's monitor gauges read from the episode store
(``m1env_grm_alarm``, ``m1env_grm_alarms_total``, ``m1env_grm_length_corr`` ...). Routes are
labelled by their template (``/v1/jobs/{job_id}``), never the raw path, and methods outside
:data:`METHODS` as ``other``: a client can invent paths and methods (HTTP allows any token as
a method), and every distinct label value would be a series kept until the process exits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from m1env.service.guard import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_TYPE", "METHODS", "Metrics", "MetricsMiddleware"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "m1env_http_requests",
            "HTTP requests",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "m1env_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.inflight = Gauge("m1env_http_inflight", "requests in progress", registry=self.registry)
        self.scores = Counter(
            "m1env_scores", "Scores returned", ["verifier", "status"], registry=self.registry
        )
        self.sandbox_runs = Counter(
            "m1env_sandbox_runs",
            "Scores and /run_code calls by the sandbox backend that ran them",
            ["verifier", "backend"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "m1env_rejected",
            "requests refused before scoring",
            ["reason"],
            registry=self.registry,
        )

    def add_gauges(self, source: Callable[[], dict[str, float]]) -> None:
        """Export ``source()`` (name -> value) as gauges, read fresh at every scrape."""
        self.registry.register(_GaugeSource(source))

    def reject(self, reason: str) -> None:
        self.rejected.labels(reason).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _GaugeSource:
    """A collector over a callable; a failing source costs its gauges, not the scrape."""

    def __init__(self, source: Callable[[], dict[str, float]]) -> None:
        self.source = source

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            values = self.source()
        except Exception:
            return
        for name, value in sorted(values.items()):
            yield GaugeMetricFamily(name, name.replace("_", " "), value=value)

    def describe(self) -> list[GaugeMetricFamily]:
        return []


class MetricsMiddleware:
    """Counts every HTTP request, including those the guard refuses."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.inflight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.inflight.dec()
            route: Any = scope.get("route")
            label = getattr(route, "path", None) or (
                scope["path"] if scope["path"] in _KNOWN else "other"
            )
            method = scope.get("method", "")
            method = method if method in METHODS else "other"
            self.metrics.requests.labels(label, method, str(status)).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - start)


_KNOWN = frozenset({"/healthz", "/metrics", "/openapi.json"})
