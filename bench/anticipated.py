"""Anticipated answers: hit rate, false-hit rate on perturbed questions, and tokens saved.

The question set is ``sleeptime/examples/anticipated_eval.json`` (three contexts written for
this benchmark, ten answered questions each). Every question is stored as an anticipated
answer; then the script asks

- the exact questions and their benign paraphrases (case, punctuation, whitespace,
  contractions, "What's", "please", numerals, a dropped article): each should be served
  its own answer (hit rate; a hit with another question's answer counts as wrong);
- the perturbed questions (changed number, negation, unit, comparative, name,
  quantifier): none may be served (false-hit rate, per kind).

The structural check costs no model tokens; its time is measured. For the saving, a few
questions are answered normally with the embedded model at budget 1 from ``c'`` (here the
context plus its anticipated Q/A lines, standing in for a sleep artifact), and the
optional model verifier (a yes/no call of at most 2 tokens) is measured on the same
questions. Results go to ``bench/results/anticipated.json``.

Usage: ``.venv/bin/python bench/anticipated.py [--answers 3] [--no-model]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from sleeptime.anticipate import (
    PERTURBATION_KINDS,
    confirm_with_model,
    match_structural,
    paraphrases,
    perturbations,
)

OUT = Path(__file__).parent / "results" / "anticipated.json"


def load_set() -> dict[str, Any]:
    """The packaged evaluation contexts and questions."""
    text = resources.files("sleeptime.examples").joinpath("anticipated_eval.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def structural(data: dict[str, Any]) -> dict[str, Any]:
    """Hit and false-hit rates of the structural check, with its time per lookup."""
    items = [
        {"question": q["question"], "answer": q["answer"], "source": "notes"}
        for c in data["contexts"]
        for q in c["questions"]
    ]
    benign: Counter[str] = Counter()
    benign_hits: Counter[str] = Counter()
    wrong = 0
    perturbed: Counter[str] = Counter()
    false_hits: Counter[str] = Counter()
    examples: list[dict[str, str]] = []
    times: list[float] = []
    for item in items:
        for variant in paraphrases(item["question"]):
            start = time.perf_counter()
            result = match_structural(variant.text, items)
            times.append(time.perf_counter() - start)
            benign[variant.kind] += 1
            if result.item is not None and result.item["answer"] == item["answer"]:
                benign_hits[variant.kind] += 1
            elif result.item is not None:
                wrong += 1
        for variant in perturbations(item["question"]):
            start = time.perf_counter()
            result = match_structural(variant.text, items)
            times.append(time.perf_counter() - start)
            perturbed[variant.kind] += 1
            if result.hit:
                false_hits[variant.kind] += 1
                examples.append({"kind": variant.kind, "asked": variant.text})
    return {
        "stored_questions": len(items),
        "benign": {
            k: {"n": benign[k], "hits": benign_hits[k], "rate": benign_hits[k] / benign[k]}
            for k in benign
        },
        "benign_total": {
            "n": sum(benign.values()),
            "hits": sum(benign_hits.values()),
            "rate": sum(benign_hits.values()) / sum(benign.values()),
            "wrong_answer_hits": wrong,
        },
        "perturbed": {
            k: {
                "n": perturbed[k],
                "false_hits": false_hits[k],
                "rate": false_hits[k] / perturbed[k] if perturbed[k] else 0.0,
            }
            for k in PERTURBATION_KINDS
        },
        "perturbed_total": {
            "n": sum(perturbed.values()),
            "false_hits": sum(false_hits.values()),
            "rate": sum(false_hits.values()) / sum(perturbed.values()),
        },
        "false_hit_examples": examples[:20],
        "lookup_ms_median": statistics.median(times) * 1000,
        "lookup_ms_p95": sorted(times)[int(0.95 * (len(times) - 1))] * 1000,
        "lookup_model_tokens": 0,
    }


async def with_model(data: dict[str, Any], n_answers: int) -> dict[str, Any]:
    """Real answer tokens at budget 1 and the model verifier's cost, on the embedded model."""
    from sleeptime.answer import answer_question, make_budget
    from sleeptime.backends import create_backend

    backend = create_backend("llama")
    await backend.prepare()
    answers: list[dict[str, Any]] = []
    verifications: list[dict[str, Any]] = []
    contexts = data["contexts"]
    try:
        for i in range(n_answers):
            context = contexts[i % len(contexts)]
            q = context["questions"][i // len(contexts)]
            notes = (
                context["text"]
                + "\n\n"
                + "\n".join(f"Q: {x['question']}\nA: {x['answer']}" for x in context["questions"])
            )
            answer = await answer_question(
                backend,
                question=q["question"],
                context=context["text"],
                notes=notes,
                mode="sleep",
                layout="replace",
                budget=make_budget(1),
                seed=0,
            )
            answers.append(
                {
                    "question": q["question"],
                    "prompt_tokens": answer.usage.prompt_tokens,
                    "cached_prompt_tokens": answer.usage.cached_prompt_tokens,
                    "completion_tokens": answer.usage.completion_tokens,
                    "total_tokens": answer.usage.total_tokens,
                    "latency_s": answer.latency_s,
                    "final": answer.final,
                }
            )
            asked = paraphrases(q["question"])[1].text  # the lower-case rewording
            start = time.perf_counter()
            agreed, usage = await confirm_with_model(backend, asked, q["question"], seed=0)
            verifications.append(
                {
                    "asked": asked,
                    "model_said_same": agreed,
                    "prompt_tokens": usage.prompt_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "latency_s": time.perf_counter() - start,
                }
            )
    finally:
        await backend.aclose()
    return {
        "backend": backend.info.backend,
        "model": backend.info.model,
        "answers": answers,
        "verifications": verifications,
        "answer_tokens_median": statistics.median(a["total_tokens"] for a in answers),
        "answer_generated_median": statistics.median(a["completion_tokens"] for a in answers),
        "answer_latency_s_median": statistics.median(a["latency_s"] for a in answers),
        "verify_tokens_median": statistics.median(
            v["prompt_tokens"] + v["completion_tokens"] for v in verifications
        ),
        "verify_latency_s_median": statistics.median(v["latency_s"] for v in verifications),
        "verifier_refused_same_question": sum(not v["model_said_same"] for v in verifications),
    }


def print_table(report: dict[str, Any]) -> None:
    """A plain-text summary of the report."""
    s = report["structural"]
    print(f"stored questions: {s['stored_questions']}")
    print(f"{'benign rewording':<22}{'n':>6}{'hits':>6}{'rate':>8}")
    for kind, row in s["benign"].items():
        print(f"{kind:<22}{row['n']:>6}{row['hits']:>6}{row['rate']:>8.1%}")
    t = s["benign_total"]
    print(f"{'all benign':<22}{t['n']:>6}{t['hits']:>6}{t['rate']:>8.1%}"
          f"   (hits with a wrong answer: {t['wrong_answer_hits']})")  # fmt: skip
    print(f"\n{'perturbation':<22}{'n':>6}{'false':>6}{'rate':>8}")
    for kind, row in s["perturbed"].items():
        print(f"{kind:<22}{row['n']:>6}{row['false_hits']:>6}{row['rate']:>8.1%}")
    p = s["perturbed_total"]
    print(f"{'all perturbed':<22}{p['n']:>6}{p['false_hits']:>6}{p['rate']:>8.1%}")
    print(
        f"\nstructural lookup: 0 model tokens, median {s['lookup_ms_median']:.3f} ms, "
        f"p95 {s['lookup_ms_p95']:.3f} ms over {s['stored_questions']} stored questions"
    )
    m = report.get("model")
    if m:
        print(
            f"answering normally ({m['model']}, budget 1, from c'): median "
            f"{m['answer_tokens_median']:.0f} tokens ({m['answer_generated_median']:.0f} "
            f"generated), {m['answer_latency_s_median']:.2f} s"
        )
        print(
            f"model verifier (optional): median {m['verify_tokens_median']:.0f} tokens, "
            f"{m['verify_latency_s_median']:.2f} s; refused {m['verifier_refused_same_question']}"
            f" of {len(m['verifications'])} same-question rewordings"
        )
        print(
            f"tokens saved per hit: {report['saved_tokens_per_hit_structural']:.0f} "
            f"(structural only), {report['saved_tokens_per_hit_with_model_verify']:.0f} "
            "(with model verification)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--answers", type=int, default=3, help="questions answered by the model")
    parser.add_argument("--no-model", action="store_true", help="skip the embedded-model part")
    args = parser.parse_args()
    started = time.perf_counter()
    data = load_set()
    report: dict[str, Any] = {"structural": structural(data)}
    if not args.no_model and args.answers > 0:
        model = asyncio.run(with_model(data, args.answers))
        report["model"] = model
        report["saved_tokens_per_hit_structural"] = model["answer_tokens_median"]
        report["saved_tokens_per_hit_with_model_verify"] = (
            model["answer_tokens_median"] - model["verify_tokens_median"]
        )
    report["elapsed_s"] = time.perf_counter() - started
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print_table(report)
    print(f"\nwrote {OUT} in {report['elapsed_s']:.1f} s")


if __name__ == "__main__":
    main()
