"""``bench/anticipated_reader.py``: the ceilings a perfect reader reaches behind each gate,
the thresholds a model's yes-probabilities are held to, and the scorer itself.

The ceilings and thresholds decide what the README says limits recall, so they are checked
on questions written here; the scorer runs on the real embedded model.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    path = BENCH / "anticipated_reader.py"
    spec = importlib.util.spec_from_file_location("anticipated_reader", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["anticipated_reader"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


READER = _load()

SET: dict[str, Any] = {
    "contexts": [
        {
            "name": "pool",
            "kind": "swimming pool prices",
            "split": "mine",
            "text": "Adult swim: 5 pounds. Child swim: 3 pounds. The pool opens at 7am on "
            "weekdays and at 9am at weekends. Lane swimming ends at 8pm.",
            "questions": [
                {
                    "question": "How much is an adult swim?",
                    "answer": "5 pounds",
                    "rewordings": [
                        {"kind": "moved_clause", "text": "For an adult, how much is a swim?"},
                        {"kind": "informal", "text": "adult swim price??"},
                    ],
                    "near_misses": [
                        {"kind": "entity", "text": "How much is a child swim?", "answer": "3"},
                    ],
                },
                {
                    "question": "When does the pool open on weekdays?",
                    "answer": "7am",
                    "rewordings": [
                        {"kind": "wh_form", "text": "What time does the pool open on weekdays?"},
                    ],
                    "near_misses": [
                        {
                            "kind": "time_period",
                            "text": "When does the pool open at weekends?",
                            "answer": "9am",
                        },
                    ],
                },
            ],
        }
    ]
}


def _asked(group: str, pairs: list[Any], rules: str | None = None) -> Any:
    return READER.Asked("s", "c", group, "k", "q?", "right", rules, pairs)


def test_build_keeps_the_rules_answer_and_the_pairs_the_hard_slots_pass() -> None:
    asked = READER.build(SET, ("mine",))
    assert len(asked) == 5
    by_text = {a.text: a for a in asked}
    moved = by_text["For an adult, how much is a swim?"]
    assert moved.rules_answer == "5 pounds" and moved.pairs == []
    for text in ("How much is a child swim?", "When does the pool open at weekends?"):
        miss = by_text[text]
        assert miss.rules_answer is None  # the rules refuse every near-miss here
        # another entity or period is no hard slot: the pair reaches the reader, not the guard
        assert all(not p.guard for p in miss.pairs)
    assert READER.build(SET, ("other",)) == []


def test_the_oracle_counts_a_rewording_whose_own_question_passes_the_gate() -> None:
    own = READER.Pair("stored?", "right", guard=False)
    other = READER.Pair("other?", "wrong", guard=True)
    rewording = _asked("rewording", [own, other])
    assert READER.served(rewording, "hard", None, 0.0) == "right"
    assert READER.served(rewording, "guard", None, 0.0) is None  # its own pair is refused
    near = _asked("near_miss", [other])
    assert READER.served(near, "hard", None, 0.0) is None  # a perfect reader refuses it
    ruled = _asked("near_miss", [other], rules="wrong")
    assert READER.served(ruled, "hard", None, 0.0) == "wrong"  # the rules' answer stands


def test_a_pair_is_served_only_above_both_thresholds_best_product_first() -> None:
    low = READER.Pair("a?", "right", guard=True, accept=0.9, fits=0.4)
    high = READER.Pair("b?", "wrong", guard=True, accept=0.6, fits=0.95)
    asked = _asked("rewording", [low, high])
    assert READER.served(asked, "guard", 0.5, 0.0) == "wrong"  # 0.57 beats 0.36
    assert READER.served(asked, "guard", 0.7, 0.0) == "right"
    assert READER.served(asked, "guard", 0.5, 0.5) == "wrong"
    assert READER.served(asked, "guard", 0.95, 0.0) is None
    unscored = READER.Pair("c?", "right", guard=True, accept=0.9, fits=None)
    # no "fits" (below the floor) fails any fits threshold but passes a threshold of 0
    assert READER.served(_asked("rewording", [unscored]), "guard", 0.5, 0.5) is None
    assert READER.served(_asked("rewording", [unscored]), "guard", 0.5, 0.0) == "right"


def test_the_report_counts_recall_and_served_near_misses() -> None:
    right = READER.Pair("s?", "right", guard=True, accept=0.8, fits=0.9)
    wrong = READER.Pair("t?", "other", guard=False, accept=0.8, fits=0.9)
    asked = [
        _asked("rewording", [right]),
        _asked("rewording", [], rules="right"),
        _asked("rewording", [wrong]),
        _asked("near_miss", [wrong]),
    ]
    rep = READER.report(asked, ("s",), scored=True)["s"]
    assert rep["rules"]["recall"] == pytest.approx(1 / 3)
    assert rep["oracle_guard"]["recall"] == pytest.approx(2 / 3)
    best = rep["best_with_none_served"]
    assert best["gate"] == "guard" and best["recall"] == pytest.approx(0.667, abs=1e-3)
    hard = next(g for g in rep["grid"] if g["gate"] == "hard" and g["accept_min"] == 0.3)
    assert hard["served_near_misses"] == 1 and hard["wrong"] == 1


@pytest.mark.integration
def test_the_scorer_gives_a_probability_the_prefix_cache_does_not_change() -> None:
    from sleeptime.backends.model_files import default_model_path

    scorer = READER.YesScorer(default_model_path(), threads=2)
    first = "Is the sky blue on a clear day? Reply with one word: yes or no."
    second = "Is the sky green on a clear day? Reply with one word: yes or no."
    p1 = scorer.p_yes(first)
    p2 = scorer.p_yes(second)  # shares its prefix with the first: the cache is reused
    assert 0.0 <= p1 <= 1.0 and 0.0 <= p2 <= 1.0
    fresh = READER.YesScorer(default_model_path(), threads=2)
    assert fresh.p_yes(second) == pytest.approx(p2, abs=0.02)
    assert scorer.p_yes(first) == pytest.approx(p1, abs=0.02)


@pytest.mark.integration
@pytest.mark.server
def test_an_endpoint_reads_the_same_probability_as_the_model_in_process(llama_server: str) -> None:
    from helpers.llama_server import SMOLLM2_ALIAS
    from sleeptime.backends.model_files import default_model_path

    prompt = "Is the sky blue on a clear day? Reply with one word: yes or no."
    remote = READER.EndpointScorer(llama_server, SMOLLM2_ALIAS, None, timeout=120)
    local = READER.YesScorer(default_model_path(), threads=2)
    assert remote.p_yes(prompt) == pytest.approx(local.p_yes(prompt), abs=0.05)


def test_an_endpoint_without_logprobs_gets_a_clear_error() -> None:
    """A real HTTP server on loopback answering in the OpenAI shape with no logprobs, as a
    reasoning model's endpoint does."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps(
                {"choices": [{"index": 0, "message": {"role": "assistant", "content": "yes"}}]}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        scorer = READER.EndpointScorer(url, "any", None, timeout=10)
        with pytest.raises(SystemExit, match="no top_logprobs"):
            scorer.p_yes("Same question? yes or no.")
    finally:
        server.shutdown()
        server.server_close()
