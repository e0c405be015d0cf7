"""Step 3 of the answer path: is what the model wrote proven?

A written sentence counts only when both hold:
(a) the claim checker supports it against the evidence sentence(s) it cites - the same checker as
    `citewire verify`, and no looser: the words it restates from the question count as found only
    where the cited article uses them;
(b) it answers this question (relevance.py): the question's names are in it (or in its quote's article context),
    it reports the speaker the question asks about ("What did Brahimi say" is not answered by what
    Lavrov said), half the question's content words are in it or its quote, and it fills the asked
    kind with something the question does not name (a person, a place, a figure, a date; for other
    questions, a new content word).
A yes/no answer is proven when its sentence is, and the checker, reading the question as a
statement against the cited quote, settles it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.documents import Chunk, Passage
from retrieval.term_stats import TermStats
from service.answer.evidence import EvidenceSentence
from service.answer.instructions import is_instruction
from service.answer.questions import QuestionKind, as_statement
from service.answer.relevance import Relatedness, answers_question
from service.answer.writing import Draft, WrittenSentence
from service.claims.grounding import GroundingChecker, settles_yes_no
from service.claims.verdicts import Judgement
from service.claims.windows import Window

_NEARBY_SENTENCES = 600  # characters: two cited sentences this close in one article are judged as one span


@dataclass(frozen=True)
class Proof:
    sentence: WrittenSentence
    judgement: Judgement | None  # the best window of the cited evidence
    answers: str | None  # None: it answers the question; else why not
    settled: str | None = None  # for a yes/no answer: what the checker reads the quote as saying

    @property
    def supported(self) -> bool:
        """The checker supports the sentence (a bare "Yes."/"No.": the quote settles it that way)."""
        if not self.sentence.text:
            return self.settled is not None
        return self.judgement is not None and self.judgement.verdict == "supported"

    @property
    def window(self) -> Window | None:
        """The quote that proves it."""
        return self.judgement.window if self.judgement is not None else None

    @property
    def proven(self) -> bool:
        return self.supported and self.answers is None

    @property
    def reason(self) -> str:
        if not self.sentence.cited:
            return "it cites no listed sentence"
        if not self.sentence.text:
            return self.answers or "proven"
        if self.judgement is None or self.judgement.verdict != "supported":
            judged = self.judgement
            missing = (
                f": no quote states {', '.join(f'“{w}”' for w in judged.missing)}" if judged and judged.missing else ""
            )
            conflicts = f" ({'; '.join(judged.conflicts)})" if judged and judged.conflicts else ""
            return f"the cited quote does not support it{missing}{conflicts}"
        return self.answers or "proven"


def prove(
    draft: Draft,
    question: str,
    kind: QuestionKind,
    checker: GroundingChecker,
    stats: TermStats | None = None,
    related: Relatedness | None = None,
) -> list[Proof]:
    """One Proof per written sentence, in order."""
    parsed_question = checker.parser.parse(question)
    bylines = set().union(*(checker.metadata(e.passage.article) for e in draft.shown))  # "in both Gulf News and ..."
    proofs = []
    for sentence in draft.sentences:
        if not sentence.text:  # a bare "Yes."/"No." resting on the quote it cites
            proofs.append(Proof(sentence, None, None))
            continue
        judgement = _judge(sentence, draft.shown, question, checker, stats)
        about = (checker.about(judgement.window) if judgement is not None else set()) | bylines
        answers = answers_question(checker.parser.parse(sentence.text), about, parsed_question, kind, related)
        proofs.append(Proof(sentence, judgement, answers))
    if kind.shape == "yes-no" and proofs:
        proofs[0] = _yes_no(proofs[0], draft.verdict, question, checker)
    return proofs


def _judge(
    sentence: WrittenSentence,
    shown: tuple[EvidenceSentence, ...],
    question: str,
    checker: GroundingChecker,
    stats: TermStats | None,
) -> Judgement | None:
    """The best judgement of the sentence against what it cites; when that does not support it,
    against each other sentence the model read (the model often puts the right fact behind the
    wrong number: the citation then points at the quote that proves it). One call, so the
    paraphrase judge is asked at most once."""
    cited = cited_passages(sentence.cited)
    others = cited_passages(tuple(e for e in shown if e not in sentence.cited), merge=False)
    if not cited and not others:
        return None
    judged = [
        None if j is None or any(is_instruction(s) for s in j.window.sentences) else j
        for j in checker.judge(sentence.text, cited + others, question=question, stats=stats)
    ]
    own = [j for j in judged[: len(cited)] if j is not None]
    repaired = [j for j in judged[len(cited) :] if j is not None and j.verdict == "supported"]
    best = max(own, key=lambda j: j.rank) if own else None
    if (best is None or best.verdict != "supported") and repaired:
        return max(repaired, key=lambda j: j.rank)
    return best


def cited_passages(cited: tuple[EvidenceSentence, ...], merge: bool = True) -> list[Passage]:
    """The cited sentences as passages to judge against: one span per article when its cited
    sentences are close together (a two-sentence window may join them), else one per sentence."""
    spans: list[tuple[EvidenceSentence, int, int]] = []
    for evidence in sorted(cited, key=lambda e: (e.article_id, e.start)):
        last = spans[-1] if spans else None
        close = last and last[0].article_id == evidence.article_id and evidence.start - last[2] <= _NEARBY_SENTENCES
        if merge and last and close:
            spans[-1] = (last[0], last[1], max(last[2], evidence.end))
        else:
            spans.append((evidence, evidence.start, evidence.end))
    return [_span_passage(e.passage, start, end) for e, start, end in spans]


def _span_passage(passage: Passage, start: int, end: int) -> Passage:
    article = passage.article
    chunk = Chunk(passage.chunk_id, article.article_id, passage.chunk.position, start, end, article.text[start:end])
    return Passage(chunk=chunk, article=article, score=passage.score)


def _yes_no(proof: Proof, verdict: str | None, question: str, checker: GroundingChecker) -> Proof:
    """A yes/no answer needs its "Yes."/"No." settled the same way by the checker, reading the question
    as a statement against the quote that proves the sentence (a bare verdict: the quote it cites)."""
    if verdict is None:
        return replace(proof, answers="it does not say yes or no")
    if proof.sentence.text and proof.window is None:
        return proof
    passages = [proof.window.passage] if proof.window else cited_passages(proof.sentence.cited)
    judged = [j for j in checker.judge(as_statement(question), passages) if j is not None]
    settled = next((s for j in judged if (s := settles_yes_no(j)) is not None), None)
    if settled != verdict:
        why = "the quote does not settle yes or no" if settled is None else f"the quote says {settled}"
        return replace(proof, answers=why, settled=None)
    judgement = proof.judgement or max(judged, key=lambda j: j.rank)
    return replace(proof, judgement=judgement, settled=settled)


def settled_draft(question: str, shown: list[EvidenceSentence], kind: QuestionKind, checker: GroundingChecker) -> Draft:
    """The answer without the model: for a yes/no question, the "Yes."/"No." the claim checker reads in
    the best quote (a bare verdict citing it); for any other question, nothing."""
    if kind.shape != "yes-no" or not shown:
        return Draft((), shown=tuple(shown))
    judged = [j for j in checker.judge(as_statement(question), cited_passages(tuple(shown[:1]))) if j is not None]
    verdict = next((s for j in judged if (s := settles_yes_no(j)) is not None), None)
    if verdict is None:
        return Draft((), shown=tuple(shown))
    return Draft((WrittenSentence("", tuple(shown[:1])),), verdict, shown=tuple(shown))
