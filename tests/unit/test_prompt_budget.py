"""Which evidence sentences go into the prompt: best first, within the word budget."""

from __future__ import annotations

from service.evidence import EvidenceSentence, PromptBudget, estimated_tokens, prompt_sources


def _sentence(passage: int, start: int, words: int, score: float, text: str | None = None) -> EvidenceSentence:
    """A sentence of `words` plain words (one estimated token each), unique to passage and start."""
    tag = "".join("abcdefghij"[int(digit)] for digit in f"{passage}{start}")
    body = text or " ".join(["word"] * (words - 1) + [f"end{tag}"])
    return EvidenceSentence(passage, start, start + len(body), body, score, score, 0.0, 0.0)


def test_token_estimate_counts_words_punctuation_and_every_digit() -> None:
    assert estimated_tokens("Lavrov said: no.") == 5
    assert estimated_tokens("2012-12-22") == 10
    assert estimated_tokens("") == 0


def _shown(sources) -> list[tuple[int, list[int]]]:
    return [(s.passage_index, [e.start for e in s.sentences]) for s in sources]


def test_without_a_tight_budget_each_passage_gives_its_best_sentences_in_reading_order() -> None:
    evidence = [
        _sentence(0, 50, 10, 0.9),
        _sentence(1, 0, 10, 0.85),
        _sentence(0, 0, 10, 0.8),
        _sentence(0, 99, 10, 0.7),
    ]
    sources = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=1000), [5, 5])
    assert _shown(sources) == [(0, [0, 50]), (1, [0])]


def test_the_budget_counts_sentence_words_and_each_new_header_once() -> None:
    evidence = [_sentence(0, 0, 20, 0.9), _sentence(0, 30, 20, 0.85), _sentence(1, 0, 20, 0.8)]
    # 20 + header 10, then 20 more from the same passage = 50; passage 1 would need 20 + 10 more
    sources = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=70), [10, 10])
    assert _shown(sources) == [(0, [0, 30])]
    roomier = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=80), [10, 10])
    assert _shown(roomier) == [(0, [0, 30]), (1, [0])]


def test_a_sentence_too_long_for_the_rest_of_the_budget_is_skipped_for_a_shorter_one() -> None:
    evidence = [_sentence(0, 0, 20, 0.9), _sentence(1, 0, 60, 0.85), _sentence(2, 0, 8, 0.8)]
    sources = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=45), [4, 4, 4])
    assert _shown(sources) == [(0, [0]), (2, [0])]


def test_the_best_sentence_goes_in_even_when_it_alone_exceeds_the_budget() -> None:
    evidence = [_sentence(0, 0, 80, 0.9), _sentence(1, 0, 5, 0.8)]
    sources = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=30), [4, 4])
    assert _shown(sources) == [(0, [0])]


def test_repeated_sentences_and_weak_passages_are_left_out() -> None:
    shared = "The same sentence appears in two overlapping chunks of one article"
    evidence = [
        _sentence(0, 0, 0, 0.9, shared),
        _sentence(1, 0, 0, 0.88, shared),
        _sentence(1, 80, 6, 0.7),
        _sentence(2, 0, 6, 0.3),  # below half of the best
    ]
    sources = prompt_sources(evidence, PromptBudget(per_passage=2, min_ratio=0.5, max_tokens=1000), [4, 4, 4])
    assert _shown(sources) == [(0, [0]), (1, [80])]
