"""Step 2 of the answer path: the model writes the direct answer.

It reads the question and the best evidence sentences, numbered best first, and writes the [n] of
the sentence it rests on and one short sentence that answers the question in its words ("Yes"/"No"
first for a yes/no question), or NONE. The instructions are a fixed system prompt, so llama.cpp
reads them once and keeps them in its prompt cache; only the sentences and the question are read
per answer.

The reply is constrained by a grammar where the backend takes one (llama.cpp): "[n] " and one sentence
made only of the numbered sentences' own words (and function words), or NONE. So the answer is in the
articles' words, which the claim checker can prove, and can name nothing the quotes do not. The parser
does not rely on the grammar, nor on any model's own tokens: whatever comes back (from a server that
ignores grammars, too) is split into sentences, each with the numbers it cites, and anything it
cannot read is an answer that proves nothing.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace

from prompts import render
from service.answer.evidence import EvidenceSentence
from service.generators.base import ChatMessage, GenerationRequest, GenerationResult

MAX_WRITTEN_TOKENS = 48
NONE_WORD = "NONE"
_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_VERDICT = re.compile(r"^\s*(yes|no)\b[.,!]?\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"'\[])")
_RELATIVE_TIME = re.compile(
    r"\b(?:today|tonight|yesterday|tomorrow|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"(?:last|next|this) (?:week|month|year|weekend)|earlier this|later this)\b",
    re.IGNORECASE,
)
_MARKER_RUN = re.compile(r"(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+\s*")


@dataclass(frozen=True)
class WrittenSentence:
    """One sentence of the model's answer: its words (markers removed) and what it cites."""

    text: str
    cited: tuple[EvidenceSentence, ...]


@dataclass(frozen=True)
class Draft:
    """What the model wrote, read: the verdict of a yes/no reply, its sentences, or NONE."""

    sentences: tuple[WrittenSentence, ...]
    verdict: str | None = None  # "yes" | "no" when the reply starts with it
    none: bool = False  # the model said no sentence answers
    p_written: float | None = None  # the model's P(not NONE) at its first token, where it gives log-probabilities
    next_choices: tuple[int, ...] = ()  # the other sentence numbers the model weighed first, likeliest first
    raw: str = ""
    shown: tuple[EvidenceSentence, ...] = ()  # the numbered sentences the model read

    @property
    def empty(self) -> bool:
        return self.none or not self.sentences


def write_request(
    question: str,
    shown: list[EvidenceSentence],
    yes_no: bool = False,
    number: int | None = None,
    max_tokens: int = MAX_WRITTEN_TOKENS,
    wants_date: bool = False,
) -> GenerationRequest:
    """The request for the direct answer; `number`: the reply must rest on that sentence (a second
    attempt: the prompt is the first one's, so llama.cpp reads none of it again)."""
    dated = wants_date or None
    numbered = [{"n": n, "header": _header(e, dated), "text": " ".join(e.text.split())} for n, e in enumerate(shown, 1)]
    return GenerationRequest(
        messages=(
            ChatMessage("system", render("write_answer_system")),
            ChatMessage("user", render("write_answer", question=question, sentences=numbered)),
        ),
        max_tokens=max_tokens,
        temperature=0.0,
        grammar=answer_grammar(len(shown), vocabulary(shown), yes_no, number),
        top_logprobs=5,
    )


_FUNCTION_WORDS = (
    "a an the of in on at to from for by with and or but nor that which who whom whose what when where why how "
    "was were is are be been being has have had do does did will would can could may might must shall should "
    "not no never as it its he him his she her they them their this these those there than then more most less "
    "about after before over under up down into out during since until per also only just still yet very so "
    "said says say told according"
).split()
_WORD = re.compile(r"[\w$£€%][\w'’$£€%.,:/&+-]*[\w%]|[\w$£€%]")


def vocabulary(shown: list[EvidenceSentence]) -> list[str]:
    """The words a written answer may use: those of the numbered sentences (as written, and capitalised
    to open a sentence) and a short list of function words; nothing else, so every name, number and
    content word it writes is one a quote has."""
    words = [w for e in shown for w in _WORD.findall(e.text)] + _FUNCTION_WORDS
    return sorted({form for w in words for form in (w, w[:1].upper() + w[1:])})


def answer_grammar(count: int, words: list[str], yes_no: bool = False, number: int | None = None) -> str:
    """NONE, or "[n] " (n in 1..count; `number` when given) and one sentence of at most 30 of `words`,
    separated by spaces or commas ("Yes, "/"No, " first for a yes/no question)."""
    digits = "[1-" + str(min(max(count, 1), 9)) + "]"
    opening = f'"[{number}] "' if number is not None else f'"[" {digits} "] "'
    verdict = '("Yes" | "No") ", " ' if yes_no else ""
    root = f"{opening} {verdict}body" if number is not None else f'"{NONE_WORD}" | {opening} {verdict}body'
    literals = " | ".join(json.dumps(w, ensure_ascii=False) for w in words)
    return "\n".join((f"root ::= {root}", 'body ::= word ((" " | ", ") word){0,29} "."', f"word ::= {literals}"))


def read_draft(result: GenerationResult | None, shown: list[EvidenceSentence]) -> Draft:
    if result is None:
        return Draft((), shown=tuple(shown))
    return replace(parse_draft(result.text, shown), p_written=_p_written(result), next_choices=_next_choices(result))


def parse_draft(text: str, shown: list[EvidenceSentence]) -> Draft:
    """The reply as sentences with their cited evidence, whether each number comes before its sentence
    ("[1] Lavrov said so.") or after it ("Lavrov said so [1]."). Numbers outside the list are dropped (a
    sentence left citing nothing proves nothing); a reply that is NONE, or starts with it, is NONE."""
    raw = text.strip()
    if not raw or raw.upper().startswith(NONE_WORD):
        return Draft((), none=bool(raw), raw=raw, shown=tuple(shown))
    pieces = _numbered_first(raw) if _MARKERS.match(raw) else _numbered_last(raw)
    verdict = None
    sentences: list[WrittenSentence] = []
    for numbers, words in pieces:
        match = _VERDICT.match(words)
        if match and not sentences:
            verdict, words = match.group(1).lower(), words[match.end() :]
        words = " ".join(words.split()).strip()
        cited = tuple(dict.fromkeys(shown[n - 1] for n in numbers if 1 <= n <= len(shown)))
        if re.search(r"\w", words):
            sentences.append(WrittenSentence(_ended(words), cited))
        elif verdict and cited and not sentences:  # "Yes. [2]": the verdict rests on the cited sentence as it is
            sentences.append(WrittenSentence("", cited))
    return Draft(tuple(sentences), verdict, False, raw=raw, shown=tuple(shown))


def _numbers(group: str) -> list[int]:
    return [int(n) for n in re.split(r"\s*[,;]\s*", group)]


def _numbered_first(raw: str) -> list[tuple[list[int], str]]:
    """ "[1] text [2][3] text": each run of markers with the text after it."""
    pieces: list[tuple[list[int], str]] = []
    matches = list(_MARKER_RUN.finditer(raw))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(raw)
        numbers = [n for group in _MARKERS.findall(match.group(0)) for n in _numbers(group)]
        pieces.append((numbers, raw[match.end() : end]))
    return pieces


def _numbered_last(raw: str) -> list[tuple[list[int], str]]:
    """Sentences, each with the markers in or after it ("... Brussels [1]. He ..." or "... Brussels. [1] He"):
    markers that open a part close the sentence before it."""
    pieces: list[tuple[list[int], str]] = []
    for part in _SENTENCE_END.split(raw):
        leading = _MARKER_RUN.match(part)
        if leading and pieces:
            before = [n for group in _MARKERS.findall(leading.group(0)) for n in _numbers(group)]
            pieces[-1] = (pieces[-1][0] + before, pieces[-1][1])
            part = part[leading.end() :]
        numbers = [n for group in _MARKERS.findall(part) for n in _numbers(group)]
        words = _MARKERS.sub("", part)
        if pieces and not re.search(r"\w", words):
            pieces[-1] = (pieces[-1][0] + numbers, pieces[-1][1])
        elif re.search(r"\w", words) or numbers:
            pieces.append((numbers, words))
    return pieces


def _ended(words: str) -> str:
    return words if words[-1] in ".!?”\"'" else words + "."


def _header(evidence: EvidenceSentence, dated: bool | None) -> str:
    """The article's date, where the model needs it to answer: the question asks when, or the sentence
    says "on Monday", "yesterday", "this year" (prompt tokens are the latency: nothing else is shown)."""
    article = evidence.passage.article
    if article.published is None or not (dated or _RELATIVE_TIME.search(evidence.text)):
        return ""
    return article.published.isoformat()


def _p_written(result: GenerationResult) -> float | None:
    """1 - P(the first token starts NONE), renormalised over the alternatives the backend gave."""
    if not result.tokens or not result.tokens[0].alternatives:
        return None
    alternatives = result.tokens[0].alternatives
    total = sum(math.exp(lp) for _, lp in alternatives)
    none = sum(math.exp(lp) for token, lp in alternatives if token.strip() and NONE_WORD.startswith(token.strip()))
    return round(1.0 - none / total, 4) if total > 0 else None


def _next_choices(result: GenerationResult) -> tuple[int, ...]:
    """The sentence numbers the model weighed at the first digit it wrote, likeliest first, without
    the one it chose (from the raw distribution, where the backend gives it)."""
    for choice in result.tokens:
        if choice.token.strip().isdigit():
            ranked = sorted(choice.alternatives, key=lambda alternative: -alternative[1])
            numbers = [int(t.strip()) for t, _ in ranked if t.strip().isdigit()]
            return tuple(dict.fromkeys(n for n in numbers if n != int(choice.token.strip())))
    return ()
