"""Composing answers: the proven sentence then its quote, tentative quotes, metadata, citations."""

from __future__ import annotations

from datetime import date

from retrieval.documents import Article, Chunk, Passage
from service.answer.citations import attach_citations, marked_sentences
from service.answer.composition import (
    TENTATIVE_LEAD,
    AnswerSentence,
    direct_answer,
    metadata_answer,
    quote_sentence,
    tentative_answer,
)
from service.answer.evidence import EvidenceSentence
from service.answer.proof import Proof
from service.answer.questions import read_question
from service.answer.writing import WrittenSentence
from service.claims.verdicts import Judgement
from service.claims.windows import Window


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


def _proven(text: str, evidence: EvidenceSentence) -> Proof:
    window = Window(evidence.passage, evidence.start, evidence.end, (evidence.text,))
    return Proof(WrittenSentence(text, (evidence,)), Judgement(window, "supported", 1.0), None)


def test_a_proven_answer_is_the_models_sentence_then_the_quote_that_proves_it() -> None:
    sentences = direct_answer([_proven("Over 40,000 people were killed.", EARLY)], None)
    text, citations, shown = attach_citations(sentences)
    quote = "Gulf News, 22 December 2012: “The conflict has killed over 40,000 people.” [1]"
    assert text == f"Over 40,000 people were killed [1]. {quote}" and shown == [
        "Over 40,000 people were killed [1].",
        quote,
    ]
    (citation,) = citations
    assert citation.quote == EARLY.passage.article.text[citation.start : citation.end] == EARLY.text


def test_an_unproven_sentence_is_never_composed() -> None:
    unproven = Proof(WrittenSentence("Over 90,000 people were killed.", (EARLY,)), None, None)
    proven = _proven("Tens of thousands were killed.", LATE)
    text, citations, _ = attach_citations(direct_answer([unproven, proven], None))
    assert "90,000" not in text and [c.article_id for c in citations] == ["b"]


def test_a_yes_no_answer_puts_its_verdict_first() -> None:
    text, _, _ = attach_citations(direct_answer([_proven("The conflict has killed over 40,000 people.", EARLY)], "yes"))
    assert text.startswith("Yes. The conflict has killed over 40,000 people [1]. Gulf News, 22 December 2012: “")


def test_a_tentative_answer_leads_with_the_caveat_and_quotes_the_two_best_sentences() -> None:
    text, citations, shown = attach_citations(tentative_answer([EARLY, LATE, UNDATED]))
    assert shown[0] == TENTATIVE_LEAD and text.startswith(TENTATIVE_LEAD + " Gulf News, 22 December 2012: “")
    assert [c.article_id for c in citations] == ["a", "b"]
    weak = _evidence("d", "BBC", None, "Tolls were not given.", 0.3)  # under 0.6 of the best: left out
    assert [s.passage.article_id for s in tentative_answer([EARLY, weak]) if s.passage] == ["a"]


def test_an_undated_quote_from_an_unnamed_publisher_is_quoted_bare() -> None:
    text, _, _ = attach_citations([quote_sentence(UNDATED.passage, UNDATED.start, UNDATED.end)])
    assert text == "“More than 450,000 Syrians were killed.” [1]"


def test_metadata_questions_are_answered_from_the_byline_and_cited() -> None:
    author = metadata_answer(LATE, read_question("Who wrote the report about the war's death toll?"))
    assert author is not None
    text, citations, _ = attach_citations(author)
    assert text == "Jane Doe wrote it (Star Tribune, 29 December 2012) [1]." and citations[0].quote == LATE.text
    published = metadata_answer(LATE, read_question("When was the report about the death toll published?"))
    assert published and attach_citations(published)[0] == "It was published on 29 December 2012 by Star Tribune [1]."
    study = read_question("When was the University of Bristol study on red blood cells published?")
    assert study.shape == "fact" and study.asks == "date"  # a study's publication is not the report's byline
    assert metadata_answer(UNDATED, read_question("Which outlet reported that 450,000 Syrians were killed?")) is None


def test_marked_sentences_are_the_cited_sentences_of_the_answer_text() -> None:
    answers: list[list[AnswerSentence]] = [
        direct_answer([_proven("Over 40,000 died.", EARLY), _proven("Tens of thousands died.", LATE)], None),
        direct_answer([_proven("The conflict has killed over 40,000 people.", EARLY)], "no"),
        tentative_answer([EARLY, LATE]),
        [quote_sentence(UNDATED.passage, UNDATED.start, UNDATED.end)],
    ]
    for sentences in answers:
        text, citations, shown = attach_citations(sentences)
        marked = [part for part in shown if "[" in part]
        spans = marked_sentences(text)
        assert [text[span.start : span.end] for span in spans] == marked
        assert sorted({span.n for span in spans}) == [citation.n for citation in citations]
    assert marked_sentences("No. Gulf News: “Tolls rose.” [1]")[0].start == len("No. ")
    assert marked_sentences(f"{TENTATIVE_LEAD} “Tolls rose.” [1]")[0].start == len(TENTATIVE_LEAD) + 1
    assert marked_sentences("The articles don't say.") == []
    quoted = "“The report [2] said so.” [1] “It did [1].” [1]"  # a bracketed number inside a quote is text
    assert [(s.n, quoted[s.start : s.end]) for s in marked_sentences(quoted)] == [
        (1, "“The report [2] said so.” [1]"),
        (1, "“It did [1].” [1]"),
    ]
