"""Prometheus metrics of one app instance (its own registry, so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from service.answer.result import Answer

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class Metrics:
    def __init__(self, queue_depth: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "citewire_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.request_seconds = Histogram(
            "citewire_http_request_duration_seconds",
            "HTTP request latency (streams: until the last event)",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.retrieval_seconds = self._histogram("citewire_retrieval_seconds", "Question to retrieved passages")
        self.first_token_seconds = self._histogram("citewire_first_token_seconds", "Question to first answer token")
        self.generation_seconds = self._histogram("citewire_generation_seconds", "Time spent generating an answer")
        self.answer_seconds = self._histogram("citewire_answer_seconds", "Question to verified answer")
        self.tokens = Counter("citewire_generated_tokens", "Answer tokens generated", registry=self.registry)
        self.answers = Counter(
            "citewire_answers", "Answers given, by outcome", ["mode", "status"], registry=self.registry
        )
        self.shed = Counter(
            "citewire_answers_shed",
            "Questions answered on the extractive path because the model's queue was too long",
            registry=self.registry,
        )
        depth = Gauge("citewire_queue_depth", "Answers waiting for the model", registry=self.registry)
        depth.set_function(queue_depth)

    def _histogram(self, name: str, documentation: str) -> Histogram:
        return Histogram(name, documentation, buckets=_LATENCY_BUCKETS, registry=self.registry)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.request_seconds.labels(method, route).observe(seconds)

    def observe_answer(self, answer: Answer) -> None:
        timings = answer.timings
        self.retrieval_seconds.observe(timings.retrieve / 1000)
        self.answer_seconds.observe(timings.total / 1000)
        if timings.generate:
            self.generation_seconds.observe(timings.generate / 1000)
        if timings.first_token is not None:
            self.first_token_seconds.observe(timings.first_token / 1000)
        if answer.usage and answer.usage.completion_tokens:
            self.tokens.inc(answer.usage.completion_tokens)
        self.answers.labels(answer.mode, answer.status).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
