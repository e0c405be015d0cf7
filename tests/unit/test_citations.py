from __future__ import annotations

from collections.abc import Callable

import pytest

from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Passage
from retrieval.index import embedding_text
from retrieval.loaders import load_articles
from retrieval.term_stats import TermStats
from service.citations import attach_citations, parse_draft, verify, with_marker
from service.answer.grounding import GroundingChecker
from service.answer.syntax import SyntaxParser
from tests.conftest import SEEDS

ARTICLES = {a.article_id[:3]: a for a in load_articles([SEEDS])}
STATS = TermStats.from_texts(
    embedding_text(a, c) for a in ARTICLES.values() for c in chunk_article(a, ChunkerSettings())
)


def _passage(prefix: str, position: int) -> Passage:
    article = ARTICLES[prefix]
    chunk = chunk_article(article, ChunkerSettings())[position]
    return Passage(chunk=chunk, article=article, score=1.0)


@pytest.fixture
def passages() -> list[Passage]:
    # [1] Gulf News, chemical weapons; [2] Star Tribune, Brahimi talks; [3] Assad, Russian troops
    return [_passage("002", 3), _passage("004", 1), _passage("003", 0)]


CHECKER = GroundingChecker(SyntaxParser())


@pytest.fixture
def check() -> Callable[[str, list[Passage]], object]:
    return lambda raw, passages: verify(raw, passages, CHECKER, STATS)


def test_markers_are_parsed_and_out_of_range_ones_dropped() -> None:
    sentences, dropped = parse_draft("Answer: A fact [1][3]. Another one [2, 7]. [9] Third.", 3)
    assert [(s.text, s.cited) for s in sentences] == [("A fact.", (0, 2)), ("Another one.", (1,)), ("Third.", ())]
    assert dropped == [7, 9]


def test_supported_sentence_keeps_its_citation_with_verbatim_quote(check, passages) -> None:
    result = check(
        "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1].",
        passages,
    )
    (sentence,) = result.sentences
    assert sentence.support.passage_index == 0 and not sentence.repaired
    text, citations = attach_citations(result.sentences, passages)
    (citation,) = citations
    article = ARTICLES["002"]
    assert citation.quote == article.text[citation.start : citation.end]
    assert "fall into the hands of militants" in citation.quote
    assert citation.published.isoformat() == "2012-12-22" and citation.source == "Gulf News"
    assert text.endswith("militants [1].")


def test_wrong_citation_is_repaired(check, passages) -> None:
    result = check(
        "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [3].",
        passages,
    )
    assert result.repaired == 1 and result.sentences[0].support.passage_index == 0


def test_missing_citation_is_added(check, passages) -> None:
    result = check("Russian armed forces are needed for balance in the region, Assad said.", passages)
    assert result.sentences[0].support.passage_index == 2


@pytest.mark.parametrize(
    "claim",
    [
        "Lavrov said the chemical weapons talks were led by the United Nations [1].",  # invented name
        "Assad was born on 11 September 1965 in Damascus [3].",  # model's own knowledge
        "The weather in Moscow was sunny and warm that week [2].",  # unrelated
    ],
)
def test_unsupported_sentences_are_removed(check, passages, claim: str) -> None:
    result = check(claim, passages)
    assert result.sentences == [] and result.removed == [
        claim.replace(" [1]", "").replace(" [2]", "").replace(" [3]", "")
    ]
    assert not result.answered


def test_a_sentence_contradicting_its_source_is_replaced_by_the_source_marked_as_a_quote(check) -> None:
    passages = [_passage("000", 0)]  # "... Russia has never talked to him about leaving power."
    turned = check("Russia talked to Assad about leaving power [1].", passages)
    [sentence] = turned.sentences
    assert sentence.replaced == "Russia talked to Assad about leaving power."
    assert sentence.support is not None and sentence.support.contradicted and sentence.quoted
    article_text = passages[0].article.text
    assert sentence.text == f"“{article_text[sentence.support.start : sentence.support.end]}”"
    assert "never talked" in sentence.text
    kept = check("Russia never talked to Assad about leaving power [1].", passages)
    assert kept.answered and kept.sentences[0].replaced is None


def test_an_unsupported_sentence_is_replaced_by_its_closest_quote_only_when_that_answers_the_question() -> None:
    passages = [_passage("002", 3)]
    claim = "Lavrov said the chemical weapons were moved to Iran to keep them from militants [1]."
    removed = verify(claim, passages, CHECKER, STATS, answers_question=lambda passage, start, end: False)
    assert not removed.answered and removed.removed == [claim.replace(" [1]", "")]
    replaced = verify(claim, passages, CHECKER, STATS, answers_question=lambda passage, start, end: True)
    [sentence] = replaced.sentences
    assert sentence.quoted and sentence.replaced == claim.replace(" [1]", "")
    assert sentence.text.strip("“”") in passages[0].article.text


def test_a_changed_figure_is_answered_by_the_quote_with_the_right_one(check, passages) -> None:
    result = check("The conflict has killed over 90,000 people [1].", passages)
    [sentence] = result.sentences
    assert sentence.quoted and sentence.support.contradicted and "40,000" in sentence.text
    assert sentence.replaced == "The conflict has killed over 90,000 people."


def test_partial_answer_keeps_the_supported_part(check, passages) -> None:
    raw = (
        "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1]. "
        "He also said Syria has 500 tonnes of sarin [1]. The passages do not say how many weapons there are."
    )
    result = check(raw, passages)
    texts = [s.text for s in result.sentences]
    assert len(texts) == 2 and "sarin" not in " ".join(texts)
    assert result.sentences[1].support is None  # the honest "do not say" sentence is kept uncited
    assert result.removed == ["He also said Syria has 500 tonnes of sarin."]


def test_model_decline_and_marker_only_output(check, passages) -> None:
    declined = check("NOT FOUND", passages)
    assert declined.declined_by_model and not declined.answered
    markers_only = check("[1] [2] [3]", passages)
    assert not markers_only.answered and not markers_only.declined_by_model and markers_only.removed == []


def test_citations_are_renumbered_in_order_of_use(check, passages) -> None:
    raw = (
        "Russian armed forces are needed for balance in our region, Assad said [3]. "
        "Lavrov said the biggest threat was that the chemical weapons could fall into the hands of militants [1]."
    )
    text, citations = attach_citations(check(raw, passages).sentences, passages)
    assert [c.n for c in citations] == [1, 2]
    assert [c.article_id[:3] for c in citations] == ["003", "002"]
    assert "[1]" in text.split(". ")[0] and text.endswith("[2].")


def test_marker_goes_before_final_punctuation() -> None:
    assert with_marker("He said so.", 2) == "He said so [2]."
    assert with_marker("Really?!", 1) == "Really [1]?!"
    assert with_marker("No punctuation", 3) == "No punctuation [3]"


def test_claims_may_name_the_publisher_and_discuss_a_negated_topic(check) -> None:
    gulf = [_passage("002", 3)]
    attributed = check("According to the Gulf News report, the conflict had killed over 40,000 people. [1]", gulf)
    assert attributed.answered and attributed.sentences[0].support.passage_index == 0
    assert_interview = check(
        "Syrian President Bashar al-Assad said Russia has never talked to him about leaving power [1].",
        [_passage("000", 0)],
    )
    assert assert_interview.answered


def test_claims_may_state_the_publication_date_but_not_other_dates(check) -> None:
    gulf = [_passage("002", 3)]
    dated = check(
        "On 22 December 2012, Lavrov said the biggest threat was that the chemical weapons could fall into the hands "
        "of militants [1].",
        gulf,
    )
    assert dated.answered
    wrong = check(
        "On 3 March 2014, Lavrov said the biggest threat was that the chemical weapons could fall into the hands "
        "of militants [1].",
        gulf,
    )
    assert not wrong.answered


def test_a_sentence_of_only_publisher_and_date_is_not_a_claim(check) -> None:
    tribune = [_passage("004", 0)]
    assert not check("Star Tribune, 2012-12-29 [1]", tribune).answered
    assert not check("Ellen Barry, Star Tribune [1].", tribune).answered


def test_a_claim_restating_the_question_may_use_its_words_but_must_add_what_the_window_says() -> None:
    passages = [_passage("001", 2)]  # "... The Washington Post reported ... joint military action ..."
    question = "Did Kerry deny the Washington Post report about joint US-Russian military action?"
    claim = "Kerry did not deny the Washington Post report about joint US-Russian military action [1]."
    kept = verify(claim, passages, CHECKER, STATS, question=question)
    assert kept.answered
    [sentence] = kept.sentences
    assert sentence.support is not None
    quote = passages[0].article.text[sentence.support.start : sentence.support.end]
    assert "did not deny the report" in quote
    invented = "Kerry did not deny the Washington Post report and resigned from the cabinet over it [1]."
    assert not verify(invented, passages, CHECKER, STATS, question=question).answered
