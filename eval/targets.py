"""What an evaluation runs against: the pipeline in this process, or a running server (`--url`).

Both return the typed results (`Answer`, `ClaimCheck`); over HTTP the API's JSON is read back into
them, so everything after this point scores the same record whichever way it was produced.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any, Protocol

import httpx

from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, from_json
from service.pipeline import Pipeline
from service.settings import Mode

RANKED_PASSAGES = 30  # passages retrieved to rank articles for recall@10 / nDCG@10
_RETRIES = 5


class TargetError(Exception):
    """The target failed to answer (server down, error status); the message says how."""


class Target(Protocol):
    description: str
    remote: bool  # answers travel over the network (the runner records the round trip as `client_ms`)

    def ask(self, question: str, mode: Mode) -> Answer: ...

    def verify(self, claim: str) -> ClaimCheck: ...

    def ranked_articles(self, question: str, depth: int = 10) -> list[str]: ...

    def article_text(self, article_id: str) -> str | None: ...

    def article_titles(self) -> dict[str, str]: ...

    def models(self) -> dict[str, Any]: ...


class PipelineTarget:
    """The same `Pipeline.ask` / `Pipeline.search` the HTTP routes call."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self.description = f"in process, index {pipeline.settings.index_dir}"
        self.remote = False

    def ask(self, question: str, mode: Mode) -> Answer:
        return self._pipeline.ask(question, mode=mode)

    def verify(self, claim: str) -> ClaimCheck:
        return self._pipeline.verify(claim)

    def ranked_articles(self, question: str, depth: int = 10) -> list[str]:
        passages = self._pipeline.search(question, top_k=RANKED_PASSAGES)
        return _distinct([p.article_id for p in passages])[:depth]

    def article_text(self, article_id: str) -> str | None:
        article = self._pipeline.store.article(article_id)
        return article.text if article else None

    def article_titles(self) -> dict[str, str]:
        return {a.article_id: a.title for a in self._pipeline.list_articles()}

    def models(self) -> dict[str, Any]:
        settings = self._pipeline.settings
        return {
            "embedder": settings.embedder,
            "generator": settings.generator,
            "model": self._pipeline.generator.name or settings.model,
        }


class HttpTarget:
    """A running citewire server: POST /api/ask, GET /api/search, GET /api/articles/{id}."""

    def __init__(self, url: str, api_key: str | None = None, timeout_s: float = 300.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=url.rstrip("/"), headers=headers, timeout=timeout_s)
        self._texts: dict[str, str | None] = {}
        self.description = f"server {url}"
        self.remote = True

    def ask(self, question: str, mode: Mode) -> Answer:
        answer = self._call(lambda: self._client.post("/api/ask", json={"question": question, "mode": mode}))
        return from_json(Answer, answer)

    def verify(self, claim: str) -> ClaimCheck:
        return from_json(ClaimCheck, self._call(lambda: self._client.post("/api/verify", json={"claim": claim})))

    def ranked_articles(self, question: str, depth: int = 10) -> list[str]:
        found = self._call(lambda: self._client.get("/api/search", params={"q": question, "top_k": RANKED_PASSAGES}))
        return _distinct([p["article_id"] for p in found["passages"]])[:depth]

    def article_text(self, article_id: str) -> str | None:
        if article_id not in self._texts:
            response = self._send(lambda: self._client.get(f"/api/articles/{article_id}"))
            self._texts[article_id] = None if response.status_code == 404 else self._json(response)["text"]
        return self._texts[article_id]

    def article_titles(self) -> dict[str, str]:
        titles: dict[str, str] = {}
        while True:
            offset = len(titles)
            page = self._call(partial(self._client.get, "/api/articles", params={"offset": offset, "limit": 500}))
            titles.update((a["article_id"], a["title"]) for a in page["articles"])
            if not page["articles"] or len(titles) >= page["total"]:
                return titles

    def models(self) -> dict[str, Any]:
        ready = self._call(lambda: self._client.get("/readyz"))
        return {"server_model": ready.get("model"), "articles": ready.get("articles"), "chunks": ready.get("chunks")}

    def _call(self, send: Callable[[], httpx.Response]) -> dict[str, Any]:
        return self._json(self._send(send))

    def _send(self, send: Callable[[], httpx.Response]) -> httpx.Response:
        """Sends, waiting out 503 (busy, loading) as the server's Retry-After asks."""
        for _ in range(_RETRIES):
            try:
                response = send()
            except httpx.HTTPError as exc:
                raise TargetError(f"{self.description}: {exc}") from None
            if response.status_code != 503:
                return response
            time.sleep(min(float(response.headers.get("Retry-After", "2")), 30.0))
        raise TargetError(f"{self.description} stayed busy (503) after {_RETRIES} tries")

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise TargetError(f"{self.description}: HTTP {response.status_code}: {_message(response)}")
        data: dict[str, Any] = response.json()
        return data


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def _distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
