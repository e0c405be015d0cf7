"""The claim checker on restatements it once refused, each beside a fabrication of the same
sentence that it must still reject: every case is its own short article."""

from __future__ import annotations

import pytest

from retrieval.chunking import ChunkerSettings, chunk_article
from retrieval.documents import Article, Passage
from service.answer.factcheck import check_claim
from service.claims.grounding import GroundingChecker
from service.claims.syntax import SyntaxParser


@pytest.fixture(scope="module")
def checker() -> GroundingChecker:
    return GroundingChecker(SyntaxParser())


def _own_article(text: str) -> list[Passage]:
    article = Article(article_id="own", title="A report", text=text, source="Coast Gazette")
    return [
        Passage(chunk=chunk, article=article, score=1.0) for chunk in chunk_article(article, ChunkerSettings(60, 1))
    ]


@pytest.mark.parametrize(
    ("text", "claim", "fabrication"),
    [
        (  # "bln" is a billion: one figure, not 2.4 of "dollars" against "billion"
            "The airline said its debts amount to more than 2.4 bln dollars.",
            "The airline said its debts amount to more than 2.4 billion dollars.",
            "The airline said its debts amount to more than 2.4 million dollars.",
        ),
        (  # a sentence that says both rise and fall, of different things
            "Shares of the miner rose 2 percent in London on Friday, while its shares in Sydney fell 1 percent.",
            "On Friday the miner's shares rose 2 percent in London, while its shares in Sydney fell 1 percent.",
            "On Friday the miner's shares fell 2 percent in London.",
        ),
        (  # "rather than", "without" and "denied that" set a thing aside, as "not" does
            "Doctors said Mr Smith did not have malaria but suffered from dengue fever.",
            "Doctors said Mr Smith suffered from dengue fever rather than malaria.",
            "Doctors said Mr Smith suffered from malaria rather than dengue fever.",
        ),
        (
            "The firm copied the design and had not asked the inventor for permission.",
            "The firm copied the design without asking the inventor for permission.",
            "The firm copied the design after asking the inventor for permission.",
        ),
        (
            "The driver denied the charge, saying he was not drunk at the time of the crash.",
            "The driver denied that he was drunk at the time of the crash.",
            "The driver said he was drunk at the time of the crash.",
        ),
        (  # "the Swedish team" is Sweden; the roles still count
            "Canada's hockey team won the final, beating the Swedish team 3:1.",
            "Canada's hockey team won the final, beating Sweden 3:1.",
            "Sweden's hockey team won the final, beating Canada 3:1.",
        ),
        (  # roles turned around, the quote naming each by the last name only
            "Ann Lee met Tom Ward on Monday. Later that day, Lee offered Ward a job at the port.",
            "Ann Lee offered Tom Ward a job at the port.",
            "Tom Ward offered Ann Lee a job at the port.",
        ),
        (  # "the city of Graz" is Graz
            "After a long debate, the city of Graz was chosen to host the festival.",
            "Graz was chosen to host the festival after a long debate.",
            "Graz was chosen to host the festival after a short debate.",
        ),
        (  # a time ("during the closing day") does not contradict a place ("at the congress")
            "Following a secret ballot during the closing day of the congress, held last May in Vienna, "
            "the city of Graz was chosen to host the festival.",
            "Graz was chosen to host the festival in a secret ballot at the congress in Vienna last May.",
            "Graz was chosen to host the festival in a secret ballot at the congress in Prague last May.",
        ),
        (  # "a statement by the ministry", "one of the officials": who speaks
            "A statement by the transport ministry said the bridge would reopen in May.",
            "The transport ministry said the bridge would reopen in May.",
            "The mayor said the bridge would reopen in May.",
        ),
        (
            "“The aim is to cut costs,” said one of the officials with knowledge of the plan.",
            "An official with knowledge of the plan said the aim was to cut costs.",
            "A union leader with knowledge of the plan said the aim was to cut costs.",
        ),
        (  # a synonym group (tests/unit/test_lexicon.py)
            "The rebels tried to cross the river on Sunday.",
            "The rebels attempted to cross the river on Sunday.",
            "The rebels crossed the river on Sunday.",
        ),
        (  # "beat" is "defeated", and so who beat whom is compared
            "Smith defeated Jones in the final on Sunday.",
            "Smith beat Jones in the final on Sunday.",
            "Jones beat Smith in the final on Sunday.",
        ),
        (  # "tweeted a picture" is "posted a photo"
            "The historian tweeted a picture of the president in a robe.",
            "The historian posted a photo of the president in a robe.",
            "The historian tweeted a picture of the president in a suit.",
        ),
        (  # a stray quote mark is no quotation running on into the next sentence
            "Ann Gray tweeted a picture of Joe Hill in a robe, with the caption: 'Nice robe\". "
            "Tom Baker tweeted a picture of Bill Lee in a robe with his advisers in 1966.",
            "Tom Baker posted a photo of Bill Lee in a robe with his advisers in 1966.",
            "Tom Baker posted a photo of Joe Hill in a robe with his advisers in 1966.",
        ),
        (  # "their" in the second sentence is the band the first one names
            "The band released its new album on Friday. Recorded in Berlin, it is their most personal work to date.",
            "The album was recorded in Berlin and is the band's most personal work to date.",
            "The album was recorded in Berlin and is the band's most personal work since 2010.",
        ),
        (  # "Homs" tagged a common noun in the claim, a proper noun in the quote: the same place
            "The Station 112 water plant in Homs resumed pumping on Friday after engineers replaced four damaged "
            "pumps, the city council said.",
            "Engineers replaced four damaged pumps at the Station 112 water plant in Homs.",
            "Engineers replaced four damaged pumps at the Station 112 water plant in Hama.",
        ),
        (  # "the 60-year-old" is the tourist the sentence before names
            "A tourist was hurt near the station on Sunday. The 60-year-old was attacked by a man in his 20s.",
            "The 60-year-old tourist was attacked by a man in his 20s.",
            "The 60-year-old tourist was attacked by two men in their 20s.",
        ),
    ],
)
def test_restatements_the_rules_once_refused(checker, text, claim, fabrication) -> None:
    passages = _own_article(text)
    assert check_claim(claim, passages, checker).verdict == "supported"
    assert check_claim(fabrication, passages, checker).verdict != "supported"
