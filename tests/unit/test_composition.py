"""Composing answers from chosen quotes: attribution, one quote per report, yes/no, metadata."""

from __future__ import annotations

from datetime import date

from retrieval.documents import Article, Chunk, Passage
from service.answer.citations import attach_citations, marked_sentences
from service.answer.composition import compose
from service.answer.evidence import EvidenceSentence
from service.answer.questions import as_statement, read_question
from service.answer.selection import candidates


def _evidence(article_id: str, source: str | None, published: date | None, text: str, score: float) -> EvidenceSentence:
    article = Article(
        article_id,
        f"Title {article_id}",
        f"Intro. {text} Outro.",
        source=source,
        author="JANE DOE",
        published=published,
    )
    chunk = Chunk(f"{article_id}:0", article_id, 0, 0, len(article.text), article.text)
    start = article.text.index(text)
    return EvidenceSentence(Passage(chunk, article, 1.0), start, start + len(text), score, score, 0.5, 0)


LATE = _evidence("b", "Star Tribune", date(2012, 12, 29), "The war has killed tens of thousands.", 0.8)
EARLY = _evidence("a", "Gulf News", date(2012, 12, 22), "The conflict has killed over 40,000 people.", 0.9)
UNDATED = _evidence("c", None, None, "More than 450,000 Syrians were killed.", 0.7)


def test_a_fact_is_the_quote_introduced_by_publisher_and_date_and_cited_verbatim() -> None:
    composition = compose([EARLY], read_question("How many people has the conflict killed?"))
    text, citations, sentences = attach_citations(composition.sentences)
    assert text == "Gulf News, 22 December 2012: “The conflict has killed over 40,000 people.” [1]" == sentences[0]
    (citation,) = citations
    assert citation.quote == EARLY.passage.article.text[citation.start : citation.end] == EARLY.text


def test_a_question_across_reports_gets_the_best_sentence_of_each_oldest_first() -> None:
    kind = read_question("What death tolls did each report give?")
    assert kind.shape == "sources"
    chosen = candidates([EARLY, LATE, UNDATED], kind, 0.0)
    assert [e.article_id for e in chosen] == ["a", "b"]  # UNDATED scores below 0.8 of the best
    text, citations, _ = attach_citations(compose(chosen, kind).sentences)
    assert text.index("Gulf News, 22 December 2012") < text.index("Star Tribune, 29 December 2012")
    assert [c.article_id for c in citations] == ["a", "b"]


def test_an_undated_quote_from_an_unnamed_publisher_is_quoted_bare() -> None:
    text, _, _ = attach_citations(compose([UNDATED], read_question("How many Syrians were killed?")).sentences)
    assert text == "“More than 450,000 Syrians were killed.” [1]"


def test_yes_no_puts_the_verdict_first_or_says_the_quote_does_not_settle_it() -> None:
    kind = read_question("Did the conflict kill over 40,000 people?")
    assert kind.shape == "yes-no" and as_statement("Did the conflict kill over 40,000 people?") == (
        "the conflict kill over 40,000 people."
    )
    answered = compose([EARLY], kind, lambda evidence: "yes")
    assert attach_citations(answered.sentences)[0].startswith("Yes. Gulf News, 22 December 2012: “")
    unsettled = compose([EARLY], kind, lambda evidence: None)
    assert not attach_citations(unsettled.sentences)[0].startswith(("Yes", "No")) and unsettled.notes


def test_metadata_questions_are_answered_from_the_byline_and_cited() -> None:
    author = compose([LATE], read_question("Who wrote the report about the war's death toll?"))
    text, citations, _ = attach_citations(author.sentences)
    assert text == "Jane Doe wrote it (Star Tribune, 29 December 2012) [1]." and citations[0].quote == LATE.text
    published = compose([LATE], read_question("When was the report about the death toll published?"))
    assert attach_citations(published.sentences)[0] == "It was published on 29 December 2012 by Star Tribune [1]."
    study = read_question("When was the University of Bristol study on red blood cells published?")
    assert study.shape == "fact" and study.asks == "date"  # a study's publication is not the report's byline
    outlet = compose([UNDATED], read_question("Which outlet reported that 450,000 Syrians were killed?"))
    assert outlet.sentences[0].kind == "quote" and "does not name its publisher" in outlet.notes[0]


def test_marked_sentences_are_the_cited_sentences_of_the_answer_text() -> None:
    yes_no = read_question("Did the conflict kill over 40,000 people?")
    answers = [
        compose([EARLY, LATE], read_question("What death tolls did each report give?")),
        compose([EARLY], yes_no, lambda evidence: "no"),
        compose([LATE], read_question("When was the report about the death toll published?")),
        compose([UNDATED], read_question("How many Syrians were killed?")),
    ]
    for composition in answers:
        text, citations, sentences = attach_citations(composition.sentences)
        marked = [part for part in sentences if "[" in part]
        spans = marked_sentences(text)
        assert [text[span.start : span.end] for span in spans] == marked
        assert [span.n for span in spans] == [citation.n for citation in citations]
    assert marked_sentences("No. Gulf News: “Tolls rose.” [1]")[0].start == len("No. ")
    assert marked_sentences("The articles don't say.") == []
    quoted = "“The report [2] said so.” [1] “It did [1].” [1]"  # a bracketed number inside a quote is text
    assert [(s.n, quoted[s.start : s.end]) for s in marked_sentences(quoted)] == [
        (1, "“The report [2] said so.” [1]"),
        (1, "“It did [1].” [1]"),
    ]
