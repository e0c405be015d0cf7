"""The `url_citation` annotations of an answer, for the OpenAI-compatible routes: one per `[n]`
marker, over the sentence that carries it, with a link to the quote and the article's title.

Chat completions (`message.annotations`) and the Responses API (`output_text.annotations`) both
take them from `url_citations`; the full citation (quote, offsets, publisher, date) stays in the
answer's `citations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from service.answer.citations import marked_sentences
from service.answer.result import Answer, Citation
from service.http.openai.chat_schemas import UrlCitation


@dataclass(frozen=True)
class QuoteLinks:
    """How this server links to a quote: `base_url` is the server's address as the client reached
    it (e.g. `http://127.0.0.1:8000/`); `pages` whether the article pages are served."""

    base_url: str
    pages: bool

    def url(self, citation: Citation) -> str:
        """The article's own URL when it has one; else, absolute, the article page with the quote
        highlighted (`/articles/{id}#q=START-END`), or the article's JSON (`/api/articles/{id}`,
        same fragment) when pages are off."""
        if citation.url:
            return citation.url
        path = "articles" if self.pages else "api/articles"
        article = quote(citation.article_id, safe="")
        return f"{self.base_url.rstrip('/')}/{path}/{article}#q={citation.start}-{citation.end}"


def url_citations(answer: Answer, links: QuoteLinks) -> list[UrlCitation]:
    """One annotation per `[n]` marker of `answer.answer`, in order: `answer.answer[start_index:end_index]`
    is the sentence that carries the marker. A declined answer (no markers) has none."""
    by_n = {citation.n: citation for citation in answer.citations}
    return [
        UrlCitation(
            start_index=sentence.start,
            end_index=sentence.end,
            url=links.url(by_n[sentence.n]),
            title=by_n[sentence.n].title,
        )
        for sentence in marked_sentences(answer.answer)
        if sentence.n in by_n
    ]
