"""What limits recall of anticipated answers on new text: the accept guard, or the reader behind it?

The model-confirmed accept (``anticipate/accept.py``) refuses a stored question before any
model sees it unless the *guard* passes it: the hard slots (numbers, units, negations,
scope, comparatives, tense, question words, roles, names: ``hard_slots_differ``) and the
content-word filters (``content_differs``, ``names_other_thing``). Blind sets stay below
the issue's 60 % either way, and this script says why, on the same pairs:

- **Oracle ceilings** (no model): the recall a perfect reader would reach behind the
  shipped guard, and behind the hard slots alone. A rewording counts when the rules serve
  its answer, or when its own stored question passes the gate.
- **A reader** (``--model``, a GGUF run in-process by llama.cpp, or ``--base-url``, an
  OpenAI-compatible endpoint that returns logprobs): for every pair
  that the hard slots pass (a question the rules refuse, a stored question of its
  context), the probability of "yes" as the first token of two prompts. ``accept`` is the
  shipped yes/no (``anticipate_accept``). ``fits`` asks whether the stored answer is
  exactly right for the asked question, read against the context's text
  (``bench/prompts/anticipate_answer_fits.txt``). ``fits`` is asked only where ``accept``
  reaches ``--fits-floor``. A question is served by the pair with the highest product
  whose gate passes, ``accept >= a`` and ``fits >= b``. The report gives recall and
  near-misses served over a grid of ``a`` and ``b`` for both gates, and the best recall
  with none served.

The probabilities come from the model's last-token logits, with the prompt formatted by
the GGUF's own chat template. Consecutive prompts share their cached prefix: pairs are
scored context by context, the context first.

Usage: ``.venv/bin/python bench/anticipated_reader.py [--data FILE] [--splits
fresh9,fresh10,fresh11] [--model qwen2.5-coder-1.5b] [--scores FILE.jsonl] [--out FILE]``.
A reader this machine cannot run is read through an OpenAI-compatible endpoint that
returns first-token logprobs: ``--base-url URL/v1 --api-model NAME`` (the key from
``SLEEPTIME_OPENAI_API_KEY``). Without a reader only the ceilings are computed.
``--scores`` keeps every probability as it is computed, so an interrupted run resumes.
The pre-registered questions are in ``bench/results/anticipated_reader_NOTE.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from anticipated_natural import load_set

RESULTS = Path(__file__).parent / "results"
FITS_PROMPT = Path(__file__).parent / "prompts" / "anticipate_answer_fits.txt"
DEFAULT_SPLITS = ("fresh9", "fresh10", "fresh11")
GATES = ("guard", "hard")
ACCEPT_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
FITS_GRID = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)
YES = ("yes", "Yes", "YES", " yes", " Yes")


@dataclass(slots=True)
class Pair:
    """One stored question the hard slots pass for a question the rules refuse."""

    stored: str
    answer: str
    guard: bool
    """Whether the shipped guard (hard slots and content-word filters) passes it too."""
    accept: float | None = None
    fits: float | None = None


@dataclass(slots=True)
class Asked:
    """A rewording or near-miss of one stored question, and what the rules made of it."""

    split: str
    context: str
    group: str
    kind: str
    text: str
    own_answer: str
    rules_answer: str | None
    pairs: list[Pair] = field(default_factory=list)


def build(data: dict[str, Any], splits: Sequence[str]) -> list[Asked]:
    """Every rewording and near-miss of ``splits``, with the rules' answer and, when the
    rules refuse, the pairs the hard slots pass (no model)."""
    from sleeptime.anticipate import match_structural
    from sleeptime.anticipate.accept import accept_candidates, context_words
    from sleeptime.anticipate.canonical import canonical

    out: list[Asked] = []
    for ctx in data["contexts"]:
        if ctx["split"] not in splits:
            continue
        items = [{"question": q["question"], "answer": q["answer"]} for q in ctx["questions"]]
        forms = [canonical(i["question"]) for i in items]
        words = context_words(ctx["text"])
        for q in ctx["questions"]:
            entries = [("rewording", r) for r in q["rewordings"]]
            entries += [("near_miss", m) for m in q["near_misses"]]
            for group, entry in entries:
                found = match_structural(entry["text"], items).item
                asked = Asked(
                    ctx["split"], ctx["name"], group, entry["kind"], entry["text"],
                    q["answer"], found["answer"] if found else None,
                )  # fmt: skip
                if found is None:
                    form = canonical(entry["text"])
                    limit = len(items)
                    shipped = accept_candidates(form, items, forms, context=words, limit=limit)
                    guarded = {c.item["question"] for c in shipped}
                    for cand in accept_candidates(
                        form, items, forms, context=words, limit=limit, content_filters=False
                    ):
                        question = cand.item["question"]
                        pair = Pair(question, cand.item["answer"], question in guarded)
                        asked.pairs.append(pair)
                out.append(asked)
    return out


class YesScorer:
    """P("yes") as the first token of a one-message chat, from a GGUF in-process."""

    def __init__(self, path: Path, threads: int) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llama = Llama(
            model_path=str(path), n_ctx=2048, n_threads=threads, n_threads_batch=threads,
            verbose=False, seed=0,
        )  # fmt: skip
        meta = self.llama.metadata
        eos = self.llama.detokenize([self.llama.token_eos()], special=True).decode()
        bos = self.llama.detokenize([self.llama.token_bos()], special=True).decode()
        self.format = Jinja2ChatFormatter(
            template=meta["tokenizer.chat_template"], eos_token=eos, bos_token=bos
        )
        yes_ids = {
            ids[0]
            for word in YES
            if len(ids := self.llama.tokenize(word.encode(), add_bos=False, special=False)) == 1
        }
        self.yes = sorted(yes_ids)

    def p_yes(self, prompt: str) -> float:
        """Probability mass of the "yes" tokens right after the assistant turn opens."""
        import numpy as np

        text = self.format(messages=[{"role": "user", "content": prompt}]).prompt
        tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=True, special=True)
        cached = 0
        for old, new in zip(self.llama._input_ids.tolist(), tokens[:-1], strict=False):
            if old != new:
                break
            cached += 1
        self.llama._ctx.kv_cache_seq_rm(-1, cached, -1)
        self.llama.n_tokens = cached
        self.llama.eval(tokens[cached:])
        logits = np.ctypeslib.as_array(
            self.llama._ctx.get_logits(), shape=(self.llama.n_vocab(),)
        ).astype(np.float64)
        top = float(logits.max())
        probs = np.exp(logits - top)
        return float(probs[self.yes].sum() / probs.sum())


class EndpointScorer:
    """P("yes") as the first token, from an OpenAI-compatible chat endpoint's logprobs.

    For readers this machine cannot run (a hosted model, a large model on another host):
    the same prompts, one token at temperature 0 with ``top_logprobs``. Servers that return
    no logprobs (reasoning models among them) get a clear error, not a guess."""

    def __init__(self, base_url: str, model: str, api_key: str | None, timeout: float) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)
        self.model = model

    def p_yes(self, prompt: str) -> float:
        """Probability mass of the "yes" tokens among the first token's top 20."""
        body = {
            "model": self.model, "messages": [{"role": "user", "content": prompt}],
            "max_tokens": 1, "temperature": 0.0, "logprobs": True, "top_logprobs": 20,
        }  # fmt: skip
        reply = self.client.post("/chat/completions", json=body)
        if reply.status_code != 200:
            raise SystemExit(
                f"the endpoint answered HTTP {reply.status_code}: {reply.text[:300]}; check "
                "--base-url (it ends in /v1), --api-model and SLEEPTIME_OPENAI_API_KEY"
            )
        choice = reply.json()["choices"][0]
        content = (choice.get("logprobs") or {}).get("content") or []
        if not content or not content[0].get("top_logprobs"):
            raise SystemExit(
                "the endpoint returned no top_logprobs for the first token; this script "
                "needs a server and model that return them (llama.cpp's server, vLLM, or "
                "a chat model that is not a reasoning model)"
            )
        return sum(
            math.exp(t["logprob"])
            for t in content[0]["top_logprobs"]
            if t["token"].strip().lower() == "yes"
        )


def _cache(path: Path | None) -> dict[tuple[str, str, str], float]:
    found: dict[tuple[str, str, str], float] = {}
    if path is not None and path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found[(row["signal"], row["asked"], row["stored"])] = row["p_yes"]
    return found


def score(
    asked: list[Asked],
    data: dict[str, Any],
    scorer: YesScorer | EndpointScorer,
    fits_floor: float,
    cache_path: Path | None,
) -> dict[str, int]:
    """Fill ``accept`` for every pair and ``fits`` where ``accept >= fits_floor``."""
    from sleeptime.prompts import load_prompt

    accept_prompt = load_prompt("anticipate_accept")
    fits_raw = FITS_PROMPT.read_text(encoding="utf-8").partition("\n")[2].strip("\n")
    texts = {c["name"]: c["text"] for c in data["contexts"]}
    cache = _cache(cache_path)
    sink = cache_path.open("a", encoding="utf-8") if cache_path is not None else None
    counts = {"accept": 0, "fits": 0, "cached": 0}
    start = time.perf_counter()

    def one(signal: str, a: Asked, pair: Pair, prompt: str) -> float:
        key = (signal, a.text, pair.stored)
        if key in cache:
            counts["cached"] += 1
            return cache[key]
        value = scorer.p_yes(prompt)
        cache[key] = value
        counts[signal] += 1
        if sink is not None:
            row = {"signal": signal, "asked": a.text, "stored": pair.stored, "p_yes": value}
            sink.write(json.dumps(row) + "\n")
            sink.flush()
        done = counts["accept"] + counts["fits"]
        if done % 50 == 0:
            print(f"  {done} scored, {(time.perf_counter() - start) / done:.2f} s each", flush=True)
        return value

    work = sorted(
        ((a, p) for a in asked for p in a.pairs), key=lambda ap: (ap[0].context, ap[1].stored)
    )
    for a, pair in work:
        prompt = accept_prompt.render(stored=pair.stored.strip(), asked=a.text.strip())
        pair.accept = one("accept", a, pair, prompt)
    for a, pair in work:
        if (pair.accept or 0.0) >= fits_floor:
            prompt = (
                fits_raw.replace("$context", texts[a.context].strip())
                .replace("$asked", a.text.strip())
                .replace("$answer", pair.answer.strip())
            )
            pair.fits = one("fits", a, pair, prompt)
    if sink is not None:
        sink.close()
    return counts


def served(a: Asked, gate: str, accept_min: float | None, fits_min: float) -> str | None:
    """The answer served for ``a``: the rules', else the best pair through ``gate`` with
    both signals high enough; ``accept_min`` None is the oracle (its own answer if the
    gate passes its stored question, for a rewording; nothing for a near-miss)."""
    if a.rules_answer is not None:
        return a.rules_answer
    open_pairs = [p for p in a.pairs if gate == "hard" or p.guard]
    if accept_min is None:
        hit = a.group == "rewording" and any(p.answer == a.own_answer for p in open_pairs)
        return a.own_answer if hit else None
    best: tuple[float, str] | None = None
    for p in open_pairs:
        if p.accept is None or p.accept < accept_min:
            continue
        fits = p.fits if p.fits is not None else (1.0 if fits_min <= 0.0 else None)
        if fits is None or fits < fits_min:
            continue
        value = p.accept * fits
        if best is None or value > best[0]:
            best = (value, p.answer)
    return best[1] if best else None


def tally(asked: Iterable[Asked], pick: Any) -> dict[str, Any]:
    """Recall of rewordings and near-misses served, overall and by kind, for one policy."""
    n = hits = wrong = nm = fh = 0
    kinds: dict[str, list[int]] = {}
    for a in asked:
        answer = pick(a)
        if a.group == "rewording":
            n += 1
            ok = answer == a.own_answer
            hits += ok
            wrong += answer is not None and not ok
            kinds.setdefault(a.kind, [0, 0])
            kinds[a.kind][0] += 1
            kinds[a.kind][1] += ok
        else:
            nm += 1
            fh += answer is not None
    return {
        "recall": hits / n if n else 0.0, "hits": hits, "rewordings": n, "wrong": wrong,
        "near_misses": nm, "served_near_misses": fh,
        "by_kind": {k: round(v[1] / v[0], 3) for k, v in sorted(kinds.items())},
    }  # fmt: skip


def report(asked: list[Asked], splits: Sequence[str], scored: bool) -> dict[str, Any]:
    """Ceilings and, when scored, the grid and the best recall with no near-miss served."""
    out: dict[str, Any] = {}
    for split in (*splits, "all"):
        part = [a for a in asked if split in ("all", a.split)]
        row: dict[str, Any] = {
            "rules": tally(part, lambda a: a.rules_answer),
            "oracle_guard": tally(part, lambda a: served(a, "guard", None, 0.0)),
            "oracle_hard": tally(part, lambda a: served(a, "hard", None, 0.0)),
            "pairs": sum(len(a.pairs) for a in part),
        }
        if scored:
            grid = []
            for gate in GATES:
                for am in ACCEPT_GRID:
                    for fm in FITS_GRID:
                        t = tally(part, lambda a, g=gate, x=am, y=fm: served(a, g, x, y))
                        grid.append({
                            "gate": gate, "accept_min": am, "fits_min": fm,
                            "recall": round(t["recall"], 3), "served_near_misses":
                            t["served_near_misses"], "wrong": t["wrong"],
                        })  # fmt: skip
            row["grid"] = grid
            clean = [g for g in grid if g["served_near_misses"] == 0 and g["wrong"] == 0]
            row["best_with_none_served"] = max(clean, key=lambda g: g["recall"], default=None)
        out[split] = row
    return out


def distribution(asked: list[Asked]) -> dict[str, Any]:
    """Quantiles of the ``accept`` probability for right pairs and near-miss pairs."""

    def quantiles(values: list[float]) -> dict[str, float]:
        values = sorted(values)
        if not values:
            return {}
        at = {"p10": 0.1, "p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}
        found = {k: round(values[int(q * (len(values) - 1))], 3) for k, q in at.items()}
        return found | {"max": round(values[-1], 3), "n": len(values)}

    right = [
        p.accept for a in asked if a.group == "rewording" for p in a.pairs
        if p.accept is not None and p.answer == a.own_answer
    ]  # fmt: skip
    near = [
        p.accept for a in asked if a.group == "near_miss" for p in a.pairs if p.accept is not None
    ]
    return {"right_pairs": quantiles(right), "near_miss_pairs": quantiles(near)}


def _print(rep: dict[str, Any]) -> None:
    for split, row in rep["splits"].items():
        line = (
            f"{split:>8}: rules {row['rules']['recall']:.0%}, oracle behind the guard "
            f"{row['oracle_guard']['recall']:.0%}, behind the hard slots "
            f"{row['oracle_hard']['recall']:.0%} ({row['pairs']} pairs)"
        )
        best = row.get("best_with_none_served")
        if best:
            line += (
                f"; reader, best with none served: {best['recall']:.0%} ({best['gate']}, "
                f"accept >= {best['accept_min']}, fits >= {best['fits_min']})"
            )
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=None, help="another question set file")
    parser.add_argument("--splits", default=",".join(DEFAULT_SPLITS), help="comma-separated")
    parser.add_argument("--model", default=None, help="a GGUF path or a catalog name")
    parser.add_argument("--base-url", default=None, help="an OpenAI-compatible endpoint (/v1)")
    parser.add_argument("--api-model", default=None, help="the model name at --base-url")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per request")
    threads = int(os.environ.get("SLEEPTIME_N_THREADS", "2"))
    parser.add_argument("--threads", type=int, default=threads)
    parser.add_argument("--fits-floor", type=float, default=0.3)
    parser.add_argument("--scores", type=Path, default=None, help="JSONL cache of probabilities")
    parser.add_argument("--out", type=Path, default=RESULTS / "anticipated_reader.json")
    parser.add_argument("--note", default="", help="a sentence saying what this run measured")
    args = parser.parse_args()
    splits = tuple(s for s in args.splits.split(",") if s)
    data = load_set(args.data)
    known = {c["split"] for c in data["contexts"]}
    if not splits or set(splits) - known:
        parser.error(f"unknown split(s) {sorted(set(splits) - known)}; the set has {sorted(known)}")
    started = time.perf_counter()
    asked = build(data, splits)
    rep: dict[str, Any] = {"note": args.note, "splits_measured": list(splits)}
    if args.model and args.base_url:
        parser.error("give --model (in-process) or --base-url (an endpoint), not both")
    if bool(args.base_url) != bool(args.api_model):
        parser.error("--base-url and --api-model go together")
    scorer: YesScorer | EndpointScorer | None = None
    if args.model:
        from sleeptime.backends.model_catalog import resolve_model

        path = resolve_model(args.model)
        rep |= {"model": path.name, "threads": args.threads}
        scorer = YesScorer(path, args.threads)
    elif args.base_url:
        key = os.environ.get("SLEEPTIME_OPENAI_API_KEY")
        rep |= {"model": args.api_model, "endpoint": args.base_url}
        scorer = EndpointScorer(args.base_url, args.api_model, key, args.timeout)
    if scorer is not None:
        from sleeptime.anticipate.match import MATCHER_VERSION

        rep["matcher"] = MATCHER_VERSION
        rep["scored"] = score(asked, data, scorer, args.fits_floor, args.scores)
        rep["fits_floor"] = args.fits_floor
        rep["accept_distribution"] = distribution(asked)
    rep["splits"] = report(asked, splits, scored=scorer is not None)
    rep["elapsed_s"] = round(time.perf_counter() - started, 1)
    _print(rep)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rep, indent=1, default=asdict) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
