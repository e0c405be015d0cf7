"""Fact-checking a claim against retrieved passages, with the same checker answers use.

Each sentence of the claim is judged against every window of the passages. The claim is
- "supported" when every sentence has a window that supports it (citations: the supporting quotes,
  best first, at most one per article and `max_citations` in all);
- "contradicted" when a sentence has no support but a window that says otherwise (citation: that
  quote, and a note saying how it disagrees);
- "not_found" otherwise (a note names the words no retrieved passage holds).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import field, replace
from typing import Annotated

from pydantic import Field, computed_field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from retrieval.documents import Passage, SearchFilters
from retrieval.retriever import Retriever
from retrieval.sentences import split_sentences
from retrieval.store import ArticleStore
from retrieval.term_stats import TermStats
from service.answer.citations import make_citation
from service.answer.result import Citation, ShownPassage, shown_passages
from service.claims.grounding import GroundingChecker
from service.claims.verdicts import Judgement, Verdict


@pydantic_dataclass(frozen=True)
class ClaimCheck:
    claim: str
    verdict: Verdict
    citations: Annotated[
        list[Citation],
        Field(description="supported: the quotes that state it; contradicted: the quote that says otherwise."),
    ]
    notes: Annotated[
        list[str], Field(description="How a quote disagrees, or which words no retrieved passage holds.")
    ] = field(default_factory=list)
    passages: Annotated[list[ShownPassage], Field(description="The passages retrieved for the claim.")] = field(
        default_factory=list
    )
    timings_ms: dict[str, float] = field(default_factory=dict)  # retrieve, check, total

    @computed_field(description="True only when every sentence of the claim is stated by a quote.")  # type: ignore[prop-decorator]
    @property
    def supported(self) -> bool:
        return self.verdict == "supported"

    def with_timings(self, **timings: float) -> ClaimCheck:
        return replace(self, timings_ms={k: round(v, 1) for k, v in timings.items()})


def verify_claim(
    claim: str,
    retriever: Retriever,
    store: ArticleStore,
    top_k: int,
    article_ids: Sequence[str] | None,
    checker: GroundingChecker,
) -> ClaimCheck:
    """Retrieve the claim's passages (from `article_ids` only, when given) and check it, timed."""
    started = time.perf_counter()
    filters = SearchFilters.of(article_ids) if article_ids else None
    passages = retriever.search(claim, top_k, filters)
    retrieved = (time.perf_counter() - started) * 1000
    checked = check_claim(claim, passages, checker, store.term_stats())
    total = (time.perf_counter() - started) * 1000
    return checked.with_timings(retrieve=retrieved, check=total - retrieved, total=total)


def check_claim(
    claim: str,
    passages: list[Passage],
    checker: GroundingChecker,
    stats: TermStats | None = None,
    max_citations: int = 3,
) -> ClaimCheck:
    sentences = [claim[s:e] for s, e in split_sentences(claim)] or [claim]
    verdicts: list[Verdict] = []
    chosen: list[Judgement] = []
    notes: list[str] = []
    for sentence in sentences:
        judgements = [j for j in checker.judge(sentence, passages, stats=stats) if j is not None]
        one, picked, note = _sentence_verdict(sentence, judgements, len(sentences) > 1)
        verdicts.append(one)
        chosen += picked
        notes += [note] if note else []
    verdict: Verdict = (
        "contradicted" if "contradicted" in verdicts else "not_found" if "not_found" in verdicts else "supported"
    )
    if verdict != "supported":
        chosen = [j for j in chosen if j.verdict == verdict]
    return ClaimCheck(claim, verdict, _citations(chosen, max_citations), notes, shown_passages(passages))


def _sentence_verdict(
    sentence: str, judgements: list[Judgement], several: bool
) -> tuple[Verdict, list[Judgement], str | None]:
    label = f"“{sentence}”: " if several else ""
    supporting = sorted((j for j in judgements if j.verdict == "supported"), key=lambda j: j.rank, reverse=True)
    if supporting:
        worded = supporting[0].paraphrase
        note = f"{label}stated in other words (the model's P(yes) {worded:.2f})" if worded is not None else None
        return "supported", _one_per_article(supporting), note
    contradicting = sorted((j for j in judgements if j.verdict == "contradicted"), key=lambda j: j.rank, reverse=True)
    if contradicting:
        top = contradicting[0]
        return "contradicted", [top], f"{label}the quote says otherwise ({'; '.join(top.conflicts)})"
    if not judgements:
        return "not_found", [], f"{label}no passage was retrieved"
    closest = max(judgements, key=lambda j: j.coverage)
    reasons = []
    if closest.missing:
        reasons.append(f"no retrieved passage states {', '.join(f'“{w}”' for w in closest.missing)}")
    reasons += list(closest.conflicts)
    asked = [j for j in judgements if j.paraphrase is not None]
    if asked:
        reasons.append(f"the model did not find it stated in other words (P(yes) {asked[0].paraphrase:.2f})")
    if not reasons:
        reasons.append("the closest quote says too little of it")
    return "not_found", [], label + "; ".join(reasons) + f" (closest: {closest.window.passage.article_id})"


def _one_per_article(judgements: list[Judgement]) -> list[Judgement]:
    seen: set[str] = set()
    kept = []
    for judgement in judgements:
        article_id = judgement.window.passage.article_id
        if article_id not in seen:
            seen.add(article_id)
            kept.append(judgement)
    return kept


def _citations(judgements: list[Judgement], limit: int) -> list[Citation]:
    citations: list[Citation] = []
    seen: set[tuple[str, int, int]] = set()
    for judgement in judgements:
        window = judgement.window
        key = (window.passage.article_id, window.start, window.end)
        if key in seen:
            continue
        seen.add(key)
        citations.append(make_citation(len(citations) + 1, window.passage, window.start, window.end))
        if len(citations) == limit:
            break
    return citations
