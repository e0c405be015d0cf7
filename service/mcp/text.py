"""The readable text block each MCP tool result carries next to its structured content.

Article text and quotes are shown as quoted data (between “ ” or under a header), never as
something the reader should act on.
"""

from __future__ import annotations

from retrieval.documents import Article
from service.answer.factcheck import ClaimCheck
from service.answer.result import Answer, Citation, ShownPassage

_VERDICTS = {"supported": "SUPPORTED", "contradicted": "CONTRADICTED", "not_found": "NOT FOUND"}
_STATUS = {"answered": "ANSWERED", "tentative": "TENTATIVE (no answer was proven)", "declined": "DECLINED"}


def answer_text(answer: Answer) -> str:
    lines = [f"{_STATUS[answer.status]}: {answer.answer}"]
    if answer.citations:
        lines += ["", "Sources:"] + [line for citation in answer.citations for line in _citation_lines(citation)]
    lines += [f"note: {note}" for note in answer.notes]
    return "\n".join(lines)


def check_text(check: ClaimCheck) -> str:
    lines = [f"{_VERDICTS[check.verdict]}: {check.claim}"]
    lines += [line for citation in check.citations for line in _citation_lines(citation)]
    lines += [f"note: {note}" for note in check.notes]
    return "\n".join(lines)


def passages_text(query: str, passages: list[ShownPassage]) -> str:
    if not passages:
        return f"No passages found for: {query}"
    lines = [f"{len(passages)} passage(s) for: {query}"]
    for n, passage in enumerate(passages, 1):
        lines += ["", f"{n}. {_describe(passage.title, passage.source, passage.published)} [{passage.article_id}]"]
        lines.append(f"   “{passage.text}”")
    return "\n".join(lines)


def article_text(article: Article) -> str:
    header = _describe(article.title, article.source, article.published)
    lines = [f"{header} [{article.article_id}]"]
    lines += [f"by {article.author}"] if article.author else []
    lines += [article.url] if article.url else []
    return "\n".join([*lines, "", "Text (quote offsets index into it):", article.text])


def _citation_lines(citation: Citation) -> list[str]:
    lines = [f"[{citation.n}] {_describe(citation.title, citation.source, citation.published)} [{citation.article_id}]"]
    lines.append(f"    “{citation.quote}” (chars {citation.start}-{citation.end})")
    if citation.url:
        lines.append(f"    {citation.url}")
    return lines


def _describe(title: str, source: str | None, published: object | None) -> str:
    meta = ", ".join(str(v) for v in (source, published) if v)
    return f"{title} ({meta})" if meta else title
