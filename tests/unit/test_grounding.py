"""The claim checker on a small hand-written article: each kind of fabrication is rejected, and
faithful restatements (inflection, pronoun for a name, spelling, publisher, partial names) pass."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, Passage
from service.answer.factcheck import check_claim
from service.claims.grounding import GroundingChecker
from service.claims.syntax import SyntaxParser
from service.claims.verdicts import Judgement

TEXT = (
    "The Harbour Council approved a new ferry link between Portsmouth and Cherbourg on Monday, mayor Ann Lee said. "
    "The council voted 12 to 3 in favour of the plan. "
    "The ferry will carry 400 passengers and 120 cars on each crossing. "
    "Lee said the operator, Blue Line, had not asked the council for a subsidy. "
    "Blue Line hired Ann Lee's former adviser, Tom Ward, to run the service. "
    "Ward said the first crossing would sail from Portsmouth to Cherbourg in June. "
    "He added that tickets would cost 30 pounds. "
    "The vote took place in Portsmouth town hall. "
    "The link was approved because local traffic had doubled since 2010, according to the council. "
    "Opponents, including the fishermen's union and two residents' groups, said the port could not handle more "
    "traffic. "
    "The council refused to delay the vote until a traffic study was finished."
)
ARTICLE = Article(
    article_id="ferry",
    title="Harbour council approves new ferry link",
    text=TEXT,
    source="Coast Gazette",
    author="Jane Doe",
    published=date(2016, 3, 14),
)


@pytest.fixture(scope="module")
def checker() -> GroundingChecker:
    return GroundingChecker(SyntaxParser())


@pytest.fixture(scope="module")
def passages() -> list[Passage]:
    chunks = chunk_article(ARTICLE, ChunkerSettings(60, 1))
    return [Passage(chunk=chunk, article=ARTICLE, score=1.0) for chunk in chunks]


def verdict(checker: GroundingChecker, passages: list[Passage], claim: str) -> str:
    checked = check_claim(claim, passages, checker)
    for citation in checked.citations:  # every quote is verbatim, whatever the verdict
        assert ARTICLE.text[citation.start : citation.end] == citation.quote
    return checked.verdict


@pytest.mark.parametrize(
    "claim",
    [
        "Mayor Ann Lee said the council approved a ferry link between Portsmouth and Cherbourg.",
        "The ferry will carry 400 passengers on each crossing.",
        "Ward added that tickets would cost 30 pounds.",  # "He added" names Ward through the sentence before
        "Blue Line hired Lee's former advisor Tom Ward to run the service.",  # adviser/advisor, partial name
        "According to the Coast Gazette, the council voted 12 to 3 in favour of the plan.",  # the publisher
        "Lee said Blue Line had not asked the council for a subsidy.",
        "The council approved the ferry link on 14 March 2016.",  # the article's date
        "Ward says the first crossing will sail from Portsmouth to Cherbourg in June.",  # tense
    ],
)
def test_faithful_claims_are_supported(checker, passages, claim) -> None:
    assert verdict(checker, passages, claim) == "supported"


@pytest.mark.parametrize(
    ("kind", "claim"),
    [
        ("swapped entity", "The Harbour Council approved a new ferry link between Portsmouth and Calais."),
        ("changed number", "The ferry will carry 500 passengers on each crossing."),
        ("changed number", "The council voted 11 to 3 in favour of the plan."),
        ("reversed polarity", "Lee said Blue Line had asked the council for a subsidy."),
        ("swapped roles", "Tom Ward hired Blue Line to run the service."),
        ("swapped entity", "Blue Line hired Ann Lee."),  # it hired her former adviser
        (
            "invented list",
            "Opponents included the fishermen's union, two residents' groups and the chamber of commerce.",
        ),
        ("wrong speaker", "Lee said the first crossing would sail from Portsmouth to Cherbourg in June."),
        ("wrong direction", "Ward said the first crossing would sail from Cherbourg to Portsmouth in June."),
        ("wrong place", "The vote took place in Cherbourg town hall."),
        ("unsupported cause", "The link was approved because tickets would cost 30 pounds."),
        ("unsupported time", "The council approved the ferry link on Friday."),
        ("not asserted", "The council delayed the vote until a traffic study was finished."),
    ],
)
def test_fabrications_are_rejected(checker, passages, kind, claim) -> None:
    assert verdict(checker, passages, claim) != "supported", kind


@pytest.mark.parametrize(
    "claim",
    [
        "Lee said Blue Line had asked the council for a subsidy.",
        "The ferry will carry 500 passengers on each crossing.",
        "Ward said the first crossing would sail from Cherbourg to Portsmouth in June.",
    ],
)
def test_a_quote_that_says_otherwise_is_a_contradiction_and_is_cited(checker, passages, claim) -> None:
    checked = check_claim(claim, passages, checker)
    assert checked.verdict == "contradicted"
    assert len(checked.citations) == 1 and checked.notes
    assert checked.citations[0].quote in ARTICLE.text


def test_every_sentence_of_a_claim_must_hold(checker, passages) -> None:
    claim = "The council voted 12 to 3 in favour of the plan. The ferry will carry 500 passengers on each crossing."
    assert check_claim(claim, passages, checker).verdict == "contradicted"
    claim = "The council voted 12 to 3 in favour of the plan. Tickets will be free."
    checked = check_claim(claim, passages, checker)
    assert checked.verdict == "not_found" and not checked.supported
    assert any("free" in note for note in checked.notes)


class RecordingJudge:
    """A paraphrase judge that answers with a fixed probability and records what it was asked."""

    def __init__(self, probability: float) -> None:
        self.value = probability
        self.asked: list[tuple[str, str]] = []

    def probability(self, quote: str, claim: str) -> float | None:
        self.asked.append((quote, claim))
        return self.value


@pytest.mark.parametrize(("probability", "expected"), [(0.9, "supported"), (0.3, "not_found")])
def test_a_reworded_claim_is_left_to_the_judge(passages, probability, expected) -> None:
    judge = RecordingJudge(probability)
    checker = GroundingChecker(SyntaxParser(), judge, min_paraphrase=0.65)
    claim = "The ferry will transport 400 passengers on each crossing."  # "carry" reworded
    checked = check_claim(claim, passages, checker)
    assert checked.verdict == expected
    [(quote, asked)] = judge.asked
    assert asked == claim and "carry 400 passengers" in quote


@pytest.mark.parametrize(
    "claim",
    [
        "The ferry will carry 400 passengers on each crossing to Calais.",  # a name
        "The ferry will carry 400 passengers on each crossing every week.",  # a time
        "The ferry will carry 400 passengers, 120 cars and 30 lorries on each crossing.",  # a list item
        "The ferry will carry 500 passengers on each crossing.",  # a figure
    ],
)
def test_names_times_figures_and_list_items_never_reach_the_judge(passages, claim) -> None:
    judge = RecordingJudge(1.0)
    checker = GroundingChecker(SyntaxParser(), judge, min_paraphrase=0.65)
    assert check_claim(claim, passages, checker).verdict != "supported"
    assert judge.asked == []


@pytest.mark.parametrize(
    ("question", "sentence", "expected"),
    [
        ("Did the ferry carry 400 passengers?", "The ferry will carry 400 passengers and 120 cars", "yes"),
        ("Did Blue Line ask the council for a subsidy?", "Lee said the operator, Blue Line, had not asked", "no"),
        # the question's figure disagrees with the quote, but the quote says nothing about what is asked
        ("Did the ferry with 500 passengers sell tickets online?", "The ferry will carry 400 passengers", None),
    ],
)
def test_a_yes_no_question_is_settled_only_by_a_quote_that_states_or_negates_it(
    checker, passages, question, sentence, expected
) -> None:
    from service.claims.grounding import settles_yes_no

    assert settles_yes_no(_judged_as_quote(checker, passages, question, sentence)) == expected


def _judged_as_quote(
    checker: GroundingChecker, passages: list[Passage], question: str, sentence: str
) -> Judgement | None:
    """A yes/no question's statement judged against the article sentence that starts with `sentence`."""
    from service.answer.questions import as_statement

    start = ARTICLE.text.index(sentence)
    end = ARTICLE.text.index(".", start) + 1
    passage = next(p for p in passages if p.chunk.start <= start and end <= p.chunk.end)
    return checker.judge_sentence(as_statement(question), passage, start, end)
