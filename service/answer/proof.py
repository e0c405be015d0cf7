"""Step 3 of the answer path: is what the model wrote proven?

A written sentence counts only when both hold:
(a) the claim checker supports it against the evidence sentence(s) it cites - the same checker as
    `citewire verify`, and no looser: the words it restates from the question count as found only
    where the cited article uses them;
(b) it answers this question: the question's names are in it (or in its quote's article context),
    it reports the speaker the question asks about ("What did Brahimi say" is not answered by what
    Lavrov said), half the question's content words are in it or its quote, and it fills the asked
    kind with something the question does not name (a person, a place, a figure, a date; for other
    questions, a new content word).
A yes/no answer is proven when its sentence is, and the checker, reading the question as a
statement against the cited quote, settles it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from retrieval.documents import Chunk, Passage
from retrieval.term_stats import TermStats
from service.answer.evidence import EvidenceSentence
from service.answer.instructions import is_instruction
from service.answer.questions import QuestionKind, as_statement
from service.answer.writing import Draft, WrittenSentence
from service.claims.grounding import GroundingChecker, settles_yes_no
from service.claims.structure import SentenceFacts
from service.claims.syntax import Parsed, Token
from service.claims.verdicts import Judgement
from service.claims.windows import Window
from service.claims.word_keys import is_name, token_keys
from service.claims.words import ENTAILED_BY, canonical, number_key

_NEARBY_SENTENCES = 600  # characters: two cited sentences this close in one article are judged as one span
_DATE_WORDS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|"
    r"Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
    r"yesterday|today|tonight|(?:19|20)\d{2})\.?\b"
)
_QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "which", "where", "when", "why", "how"})
_EMPTY_WORDS = frozenset(
    {"be", "have", "do", "happen", "take", "make", "get", "many", "much", "long", "say", "report", "tell", "call"}
)
_KIND_NAMES = {"person": "person", "place": "place", "date": "date", "number": "figure"}
_UNITS = frozenset(
    {"year", "month", "week", "day", "hour", "minute", "percent", "%", "time", "dollar", "euro", "pound"}
)
MIN_QUESTION_SHARE = 0.5  # share of the question's content words the sentence and its quote must hold
RELATION_MIN_COSINE = 0.55  # MiniLM, single words: fly/plane 0.65, arrest/detained 0.79; win/reach 0.37


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


Relatedness = Callable[[str, list[str]], list[float]]  # a word against others: cosines of their embeddings


def answers_question(
    sentence: Parsed, about: set[str], question: Parsed, kind: QuestionKind, related: Relatedness | None = None
) -> str | None:
    """None when the sentence is about what the question asks and fills the asked kind; else why not.
    `about`: the keys of the quote that proves the sentence (with the names its "he" refers to)."""
    if kind.parts > 1:
        return f"the question asks {kind.parts} things; one sentence proves one of them"
    if not any(t.pos in ("VERB", "AUX") for t in sentence.tokens):
        return "it is not a sentence (it has no verb)"
    keys = {k for k in token_keys(sentence) if k}
    seen = keys | about
    question_keys = token_keys(question)
    relation = _relation(question, question_keys)
    if relation and not _states(relation, seen, related):
        return f"it does not say {relation!r}, what the question asks about"
    for name in _names(question, question_keys):
        if name not in seen:
            return f"it is not about {name!r}, which the question asks about"
    asked_speakers, speakers = SentenceFacts.of(question).speakers, SentenceFacts.of(sentence).speakers
    if asked_speakers and speakers and not asked_speakers & speakers:
        said, asked = " / ".join(sorted(speakers)), " / ".join(sorted(asked_speakers))
        return f"it reports what {said} said; the question asks about {asked}"
    content = _content_keys(question, question_keys) - {relation}  # the relation is stated (above)
    if content and len(content & seen) / len(content) < MIN_QUESTION_SHARE:
        return "it says too little of what the question asks about"
    if kind.shape == "yes-no":
        return None
    if not _fills(sentence, {k for k in question_keys if k}, question, kind):
        return f"it names no {_KIND_NAMES.get(kind.asks, 'fact')} the question does not already"
    return None


def _relation(question: Parsed, keys: list[str | None]) -> str | None:
    """The question's main verb when it carries meaning ("won" of "Who won the second round?"); None for
    "is", "did ... say", "happen" and the like."""
    root = next((t for t in question.tokens if t.dep == "ROOT"), None)
    if root is None or root.pos != "VERB" or root.lemma in _EMPTY_WORDS:
        return None
    return keys[root.i]


def _states(relation: str, seen: set[str], related: Relatedness | None) -> bool:
    """The sentence or its quote states the relation: the same word, one of its family, or (with
    `related`) a word whose embedding is close to it ("plane" for "fly", "detained" for "arrest")."""
    if any(_same_word(relation, key) for key in seen):
        return True
    words = sorted(k for k in seen if k.isalpha() and " " not in k)
    return related is not None and bool(words) and max(related(relation, words)) >= RELATION_MIN_COSINE


def _same_word(wanted: str, key: str) -> bool:
    """The same word, or one of its family ("erupt" / "eruption", "succeed" / "successor")."""
    if wanted == key or key in ENTAILED_BY.get(wanted, frozenset()):
        return True
    stem = wanted[: max(5, len(wanted) - 2)]
    return len(wanted) >= 5 and len(stem) >= 5 and key.startswith(stem)


def _names(question: Parsed, keys: list[str | None]) -> list[str]:
    """The key of the head of each name in the question ("brahimi" of "Lakhdar Brahimi")."""
    heads = []
    for token in question.tokens:
        key = keys[token.i]
        if not key or token.lower in _QUESTION_WORDS or token.pos != "PROPN" or not is_name(token):
            continue
        if token.ent_type in ("DATE", "TIME") or _DATE_WORDS.fullmatch(token.text):
            continue  # "in December 2012": a time the question sets, checked by the claim checker
        if token.dep != "compound" or question.tokens[token.head].pos != "PROPN":
            heads.append(key)
    return list(dict.fromkeys(heads))


def _content_keys(question: Parsed, keys: list[str | None]) -> set[str]:
    """The question's ordinary content words (names are checked apart; question words are free)."""
    return {
        key
        for token in question.tokens
        if (key := keys[token.i])
        and token.pos in ("NOUN", "VERB", "ADJ")
        and token.lower not in _QUESTION_WORDS
        and token.lemma not in _EMPTY_WORDS
    }


def _fills(sentence: Parsed, asked: set[str], question: Parsed, kind: QuestionKind) -> bool:
    """The sentence gives a value of the asked kind that the question does not name."""
    keys = token_keys(sentence)
    new = [t for t in sentence.tokens if keys[t.i] and keys[t.i] not in asked]
    if kind.asks == "number":
        return _gives_count(sentence, new, question)
    if kind.asks == "date":  # a point in time ("on Thursday", "in 1918", "Dec 28"), not a span ("four years")
        return any(_DATE_WORDS.fullmatch(t.text) for t in new)
    if kind.asks == "place":  # a place the sentence puts something in, at, from or to: not its subject
        return any(t.ent_type in ("GPE", "LOC", "FAC") and t.dep not in ("nsubj", "nsubjpass") for t in new)
    if kind.asks == "person":  # a name (or, for "Who is X?", what X is)
        described = _asks_who_someone_is(question)
        return any((t.pos in ("NOUN", "PROPN") if described else _is_proper_name(t)) for t in new)
    return bool(new)


def _is_proper_name(token: Token) -> bool:
    """A person's or a body's name: a proper noun, or a person or nationality the parser tags as one
    (not a common word inside a named event: "sled race" of "the Iditarod sled race")."""
    return token.pos == "PROPN" or token.ent_type in ("PERSON", "NORP")


def _gives_count(sentence: Parsed, new: list[Token], question: Parsed) -> bool:
    """A figure the question does not name; for "how many X", one that counts X (or a unit of it)."""
    figures = [t for t in new if t.pos == "NUM" or number_key(t.lower) is not None]
    if not figures:
        return False
    counted = _counted_noun(question)
    if counted is None:
        return True
    counted_keys = {k for k in token_keys(question) if k} & {canonical(counted.lemma)}
    facts = SentenceFacts.of(sentence)
    return any(noun in counted_keys or noun in _UNITS for _, noun in facts.figures) or not facts.figures


def _counted_noun(question: Parsed) -> Token | None:
    """X of "how many X" / "how much X"."""
    for token in question.tokens:
        if token.lower in ("many", "much") and token.dep == "amod" and question.tokens[token.head].pos == "NOUN":
            return question.tokens[token.head]
    return None


def _asks_who_someone_is(question: Parsed) -> bool:
    """ "Who is Lakhdar Brahimi?": a description of a named person is asked for, not a name."""
    root = next((t for t in question.tokens if t.dep == "ROOT"), None)
    return root is not None and root.lemma == "be" and any(t.lower in ("who", "what") for t in question.tokens[:2])


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
