"""report.html: one self-contained page (inline CSS and SVG, no scripts) with the metric tables,
per-type bars, a latency histogram and the worst failures. Every dataset or model string is
escaped: questions, answers and quotes are shown as text, never as HTML."""

from __future__ import annotations

from html import escape
from typing import Any

from eval.predictions import Prediction, score

_SEVERITY = {"hallucinated": 0, "wrong": 1, "missed": 2}
_TYPE_COLUMNS = (
    ("retrieval", "recall@10", "recall@10"),
    ("answers", "key_fact_accuracy", "answered right"),
    ("answers", "useful", "useful"),
    ("answers", "f1", "F1"),
    ("citations", "precision", "cite P"),
    ("citations", "recall", "cite R"),
    ("abstention", "recall", "declined unanswerable"),
    ("crag", "score", "CRAG"),
)
_BARS = (
    ("answers", "key_fact_accuracy", "#2a6f97"),
    ("citations", "precision", "#6a994e"),
    ("crag", "score", "#bc4749"),
)
_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2733}
h1{font-size:1.5rem}h2{margin-top:2rem;font-size:1.2rem;border-bottom:1px solid #ccd}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d5dae1;padding:.25rem .5rem;text-align:left}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#56606b}.fail{border:1px solid #d5dae1;border-radius:6px;padding:.5rem .8rem;margin:.6rem 0}
.tag{display:inline-block;background:#eef1f5;border-radius:4px;padding:0 .35rem;margin-right:.25rem;font-size:.85em}
.bad{color:#a4161a;font-weight:600}blockquote{margin:.25rem 0 .25rem 1rem;color:#3d4752}
"""


def render_report(config: dict[str, Any], metrics: dict[str, Any], predictions: list[Prediction]) -> str:
    overall = metrics["overall"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>citewire eval: {_e(metrics['dataset'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>citewire evaluation: {_e(metrics['dataset'])} ({_e(metrics['mode'])})</h1>",
        _header(config, overall),
        "<h2>Overall</h2>",
        _overall_table(overall),
    ]
    parts += ["<h2>Outcomes</h2>", _outcome_table(metrics)]
    if metrics["by_type"]:
        parts += ["<h2>By question type</h2>", _type_table(metrics["by_type"]), _type_bars(metrics["by_type"])]
    totals = [p.answer.timings.total for p in predictions if p.answer]
    if totals:
        parts += ["<h2>Latency (total per answer)</h2>", _histogram(totals)]
    parts += ["<h2>Worst failures</h2>", _failures(predictions), "</body></html>"]
    return "\n".join(parts)


_OUTCOMES = ("answered-right", "answered-wrong", "tentative-with-facts", "tentative-without", "declined")


def _outcome_table(metrics: dict[str, Any]) -> str:
    """Per question type (and overall): how many answerable questions got each outcome, and the unanswerable."""
    head = "".join(f"<th>{_e(o)}</th>" for o in _OUTCOMES)
    rows = []
    sections = {"all": metrics["overall"], **metrics["by_type"]}
    for name, section in sections.items():
        outcomes = (section.get("answers") or {}).get("outcomes") or {}
        for group in ("answerable", "unanswerable"):
            counts = outcomes.get(group) or {}
            if counts:
                cells = "".join(f"<td class='n'>{counts.get(o, 0)}</td>" for o in _OUTCOMES)
                rows.append(f"<tr><td>{_e(name)}</td><td>{group}</td>{cells}</tr>")
    return f"<table><tr><th>type</th><th>questions</th>{head}</tr>{''.join(rows)}</table>"


def _header(config: dict[str, Any], overall: dict[str, Any]) -> str:
    models = ", ".join(f"{k}: {v}" for k, v in config.get("models", {}).items())
    commit = (config["fingerprint"].get("git_commit") or "unknown")[:12] + (
        " (modified)" if config.get("git_dirty") else ""
    )
    return (
        f"<p class='meta'>{overall['questions']} questions ({overall['answerable']} answerable, "
        f"{overall['unanswerable']} unanswerable) · {_e(models)} · {_e(config.get('target', ''))} · "
        f"commit {_e(commit)} · started {_e(config.get('started', ''))}</p>"
    )


def _overall_table(overall: dict[str, Any]) -> str:
    rows = []
    for section in ("retrieval", "answers", "citations", "abstention", "crag", "latency_ms"):
        for name, value in overall.get(section, {}).items():
            rows.append(f"<tr><th>{_e(section)}</th><td>{_e(name)}</td><td class='n'>{_fmt(value)}</td></tr>")
    return "<table><tr><th>group</th><th>metric</th><th>value</th></tr>" + "".join(rows) + "</table>"


def _type_table(by_type: dict[str, Any]) -> str:
    head = "".join(f"<th>{_e(label)}</th>" for _, _, label in _TYPE_COLUMNS)
    rows = []
    for name, section in by_type.items():
        cells = "".join(
            f"<td class='n'>{_fmt(section.get(group, {}).get(key))}</td>" for group, key, _ in _TYPE_COLUMNS
        )
        rows.append(f"<tr><th>{_e(name)}</th><td class='n'>{section['questions']}</td>{cells}</tr>")
    return f"<table><tr><th>type</th><th>questions</th>{head}</tr>{''.join(rows)}</table>"


def _type_bars(by_type: dict[str, Any]) -> str:
    """Grouped horizontal bars (0..1; CRAG's -1..1 drawn from the zero line) per type."""
    row_h, bar_h, left, width = 16 * len(_BARS) + 10, 14, 130, 520
    height = row_h * len(by_type) + 30
    svg = [f"<svg role='img' aria-label='per-type bars' width='{left + width + 60}' height='{height}'>"]
    for i, (name, section) in enumerate(by_type.items()):
        y = 20 + i * row_h
        svg.append(f"<text x='0' y='{y + row_h // 2}' font-size='12'>{_e(name)}</text>")
        for j, (group, key, colour) in enumerate(_BARS):
            value = section.get(group, {}).get(key)
            if value is None:
                continue
            x0 = left + (width / 2 if key == "score" else 0)
            scale = width / 2 if key == "score" else width
            x, w = (x0, value * scale) if value >= 0 else (x0 + value * scale, -value * scale)
            svg.append(f"<rect x='{x:.1f}' y='{y + j * 16}' width='{w:.1f}' height='{bar_h}' fill='{colour}'/>")
            svg.append(f"<text x='{left + width + 5}' y='{y + j * 16 + 11}' font-size='11'>{_fmt(value)}</text>")
    legend = " ".join(f"<tspan fill='{colour}'>■ {_e(group)}.{_e(key)}</tspan>" for group, key, colour in _BARS)
    svg.append(f"<text x='{left}' y='12' font-size='12'>{legend} (CRAG from the middle line, −1…1)</text></svg>")
    return "".join(svg)


def _histogram(values_ms: list[float], bins: int = 12) -> str:
    top = max(values_ms) or 1.0
    step = top / bins
    counts = [0] * bins
    for value in values_ms:
        counts[min(int(value / step), bins - 1)] += 1
    peak, bar_w, chart_h = max(counts), 40, 140
    svg = [f"<svg role='img' aria-label='latency histogram' width='{bins * bar_w + 40}' height='{chart_h + 40}'>"]
    for i, count in enumerate(counts):
        h = chart_h * count / peak
        x, y = i * bar_w + 20, chart_h - h + 10
        svg.append(f"<rect x='{x}' y='{y:.1f}' width='{bar_w - 4}' height='{h:.1f}' fill='#2a6f97'/>")
        svg.append(f"<text x='{i * bar_w + 22}' y='{chart_h + 24}' font-size='10'>{(i + 1) * step / 1000:.1f}s</text>")
        if count:
            svg.append(f"<text x='{i * bar_w + 30}' y='{chart_h - h + 6:.1f}' font-size='10'>{count}</text>")
    return "".join(svg) + "</svg><p class='meta'>bars: answers whose total time is at most the label</p>"


def _failures(predictions: list[Prediction], limit: int = 25) -> str:
    failed = []
    for prediction in predictions:
        kind = _failure_kind(prediction)
        if kind:
            failed.append((_SEVERITY[kind], kind, prediction))
    if not failed:
        return "<p>No failures.</p>"
    failed.sort(key=lambda item: item[0])
    shown = "".join(_failure(kind, p) for _, kind, p in failed[:limit])
    return f"<p>{len(failed)} failures; the {min(limit, len(failed))} worst first.</p>{shown}"


def _failure_kind(prediction: Prediction) -> str | None:
    if prediction.question.retrieval_only:
        return None
    scores = score(prediction)
    if scores.answered and not prediction.question.answerable:
        return "hallucinated"
    if scores.answered and not scores.correct:
        return "wrong"
    if prediction.question.answerable and not scores.answered:
        return "missed"
    return None


def _failure(kind: str, prediction: Prediction) -> str:
    question, answer = prediction.question, prediction.answer
    tags = "".join(f"<span class='tag'>{_e(t)}</span>" for t in question.types)
    facts = " AND ".join(" / ".join(variants) for variants in question.accept) or "(decline)"
    cited = zip(answer.citations, prediction.verbatim, strict=True) if answer else []
    citations = "".join(_citation(c.n, c.article_id, c.quote, verbatim) for c, verbatim in cited)
    return (
        f"<div class='fail'><p><span class='bad'>{_e(kind)}</span> {_e(question.id)} {tags}</p>"
        f"<p><b>Q:</b> {_e(question.question)}</p>"
        f"<p><b>Expected:</b> {_e(question.answer)} <span class='meta'>(key facts: {_e(facts)}; gold: "
        f"{_e(', '.join(question.articles) or 'none')})</span></p>"
        f"<p><b>Got:</b> {_e(answer.answer if answer else '')}</p>{citations}"
        f"<p class='meta'>retrieved: {_e(', '.join(prediction.ranked_articles[:5]))}</p></div>"
    )


def _citation(n: int, article_id: str, quote: str, verbatim: bool) -> str:
    flag = "" if verbatim else " <span class='bad'>not verbatim</span>"
    return f"<blockquote>[{n}] {_e(article_id)}{flag}: “{_e(quote)}”</blockquote>"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.0f}"
    return _e(str(value))


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def render_claims_report(config: dict[str, Any], metrics: dict[str, Any], records: list[tuple[Any, dict]]) -> str:
    """The claims run's page: rates with 95% intervals overall, by corpus and by kind, and the
    claims the checker got wrong (accepted fabrications first)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>citewire eval: claims ({_e(metrics['split'])})</title><style>{_CSS}</style></head><body>",
        f"<h1>citewire evaluation: claims, {_e(metrics['split'])} split</h1>",
        f"<p class='meta'>{len(records)} claims · {_e(config.get('target', ''))} · commit "
        f"{_e((config['fingerprint'].get('git_commit') or 'unknown')[:12])}"
        f"{' (modified)' if config.get('git_dirty') else ''} · started {_e(config.get('started', ''))}</p>",
        "<h2>Rates</h2>",
        _claims_table({"overall": metrics["overall"], **metrics["by_corpus"], **metrics["by_kind"]}),
    ]
    wrong = [(c, v) for c, v in records if c.fabricated == bool(v.get("supported"))]
    wrong.sort(key=lambda r: not r[0].fabricated)
    parts += ["<h2>Wrong verdicts</h2>", *(_claim_failure(c, v) for c, v in wrong[:60]), "</body></html>"]
    return "\n".join(parts)


def _claims_table(sections: dict[str, Any]) -> str:
    head = "<tr><th></th><th>fabricated rejected</th><th>95% CI</th><th>n</th><th>true recognised</th><th>95% CI</th>"
    rows = [head + "<th>n</th><th>verify p50 ms</th></tr>"]
    for name, section in sections.items():
        claims, latency = section["claims"], section["latency_ms"]
        cells = [
            _fmt(claims["fabricated_rejected"]),
            _interval(claims["fabricated_rejected_ci95"]),
            _fmt(claims["fabricated"]),
            _fmt(claims["true_recognised"]),
            _interval(claims["true_recognised_ci95"]),
            _fmt(claims["true"]),
            _fmt(latency["verify_p50"]),
        ]
        rows.append(f"<tr><th>{_e(name)}</th>" + "".join(f"<td class='n'>{c}</td>" for c in cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def _interval(bounds: list[float] | None) -> str:
    return "–" if not bounds else f"{bounds[0]:.2f}–{bounds[1]:.2f}"


def _claim_failure(claim: Any, verdict: dict[str, Any]) -> str:
    kind = "accepted fabrication" if claim.fabricated else "missed true claim"
    notes = "".join(f"<li>{_e(n)}</li>" for n in verdict.get("notes", []))
    cited = verdict.get("citations", [])
    citations = "".join(_citation(c["n"], c["article_id"], c["quote"], bool(c.get("verbatim"))) for c in cited)
    return (
        f"<div class='fail'><p><span class='bad'>{_e(kind)}</span> {_e(claim.id)} "
        f"<span class='tag'>{_e(claim.kind)}</span><span class='tag'>{_e(claim.corpus)}</span></p>"
        f"<p><b>Claim:</b> {_e(claim.claim)}</p><p><b>Verdict:</b> {_e(verdict.get('verdict'))} "
        f"<span class='meta'>(article {_e(', '.join(claim.articles))}; {_e(claim.note)})</span></p>"
        f"<ul>{notes}</ul>{citations}</div>"
    )
