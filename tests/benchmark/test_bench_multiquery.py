"""Multi-Query set generation: parsing, keep/discard by re-solve, determinism, file format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sleeptime.backends.base import ChatRequest
from sleeptime.backends.scripted import FunctionBackend
from sleeptime.benchmark.datasets.problem import Problem
from sleeptime.benchmark.multiquery import generate_multiquery, meta_path_for, parse_pairs
from sleeptime.errors import InputError

PROBLEMS = [
    Problem(
        id="p-0",
        dataset="toy",
        context="A farm has 4 cows and 6 hens. Each cow gives 3 liters of milk a day.",
        query="How many liters of milk do the cows give a day?",
        answer="12",
        original="...",
    ),
    Problem(
        id="p-1",
        dataset="toy",
        context="A shop sells pens at $2 each and books at $7.50 each.",
        query="What do 3 books cost?",
        answer="22.5",
        original="...",
    ),
]

# question -> (generated answer, what the solver replies)
GENERATED: dict[str, list[tuple[str, str, str]]] = {
    "p-0": [
        ("How many legs do the hens have?", "12", "Each hen has 2 legs. The answer is 12."),
        ("How many animals are there?", "10", "4 + 6 = 10. The answer is 10."),
        ("How many liters in a week?", "84", "3 * 4 * 7 = 84... The answer is 86."),  # wrong
    ],
    "p-1": [
        ("What do 4 pens cost?", "$8", "4 * 2 = 8. The answer is $8.00."),
        ("What do 2 books cost?", "15", "I cannot tell."),  # no number: disagrees
    ],
}


def _fake_model(request: ChatRequest) -> str:
    text = request.messages[-1].content
    if "new questions about the same context" in text:
        key = "p-0" if "cows" in text else "p-1"
        items = [{"question": q, "answer": a} for q, a, _ in GENERATED[key]]
        return "Sure! Here they are:\n```json\n" + json.dumps(items) + "\n```"
    for items in GENERATED.values():
        for question, _, solution in items:
            if f"Question: {question}" in text:
                return solution
    raise AssertionError(f"unexpected request: {text[:200]}")


async def _run(tmp_path: Path, name: str = "set.jsonl", **kwargs: object) -> tuple[Path, dict]:  # type: ignore[type-arg]
    out = tmp_path / name
    stats = await generate_multiquery(
        FunctionBackend(_fake_model, model="fake"),
        PROBLEMS,
        n_questions=kwargs.pop("n_questions", 3),  # type: ignore[arg-type]
        seed=7,
        out_path=out,
        concurrency=2,
        **kwargs,  # type: ignore[arg-type]
    )
    assert stats.out_path == out and stats.meta_path == meta_path_for(out)
    return out, json.loads(stats.meta_path.read_text(encoding="utf-8"))


async def test_keeps_only_pairs_the_resolve_agrees_with(tmp_path: Path) -> None:
    out, meta = await _run(tmp_path)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["context_id"], r["question"]) for r in records] == [
        ("p-0", "How many legs do the hens have?"),
        ("p-0", "How many animals are there?"),
        ("p-1", "What do 4 pens cost?"),
    ]
    assert [r["question_index"] for r in records] == [0, 1, 0]
    assert [r["context_index"] for r in records] == [0, 0, 1]
    first = records[0]
    assert first["agreement"] is True and first["answer"] == "12"
    assert first["context"] == PROBLEMS[0].context
    assert first["provenance"]["model"] == "fake"
    assert first["provenance"]["backend"] == "function"
    assert first["provenance"]["prompt_version"] == "multiquery_generate@v1"
    assert first["provenance"]["seed"] == 7
    assert first["provenance"]["solver_budget"]["level"] == 4
    assert meta["counts"] == {
        "contexts": 2,
        "generated": 5,
        "malformed": 0,
        "kept": 3,
        "discarded": 2,
        "discarded_calc": 0,
    }
    assert [(c["context_id"], c["kept"], c["discarded"]) for c in meta["per_context"]] == [
        ("p-0", 2, 1),
        ("p-1", 1, 1),
    ]
    assert "check the dataset" in meta["license_note"] and meta["datasets"] == ["toy"]


async def test_same_seed_and_backend_give_identical_files(tmp_path: Path) -> None:
    first, _ = await _run(tmp_path, "a.jsonl")
    second, _ = await _run(tmp_path, "b.jsonl")
    assert first.read_bytes() == second.read_bytes()


async def test_n_questions_caps_what_is_verified(tmp_path: Path) -> None:
    out, meta = await _run(tmp_path, n_questions=1)
    assert meta["counts"]["generated"] == 2
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2


async def test_unparseable_generation_keeps_nothing_and_says_so(tmp_path: Path) -> None:
    def model(request: ChatRequest) -> str:
        return "I would rather write a poem about cows."

    out = tmp_path / "none.jsonl"
    stats = await generate_multiquery(
        FunctionBackend(model), PROBLEMS[:1], n_questions=3, seed=0, out_path=out
    )
    assert (stats.generated, stats.kept, stats.malformed) == (0, 0, 0)
    assert out.read_text(encoding="utf-8") == ""
    assert json.loads(stats.meta_path.read_text(encoding="utf-8"))["counts"]["contexts"] == 1


async def test_call_log_replays_a_rerun(tmp_path: Path) -> None:
    log = tmp_path / "calls.sqlite"
    await _run(tmp_path, "a.jsonl", call_log=log)
    calls: list[ChatRequest] = []

    def must_not_be_called(request: ChatRequest) -> str:
        calls.append(request)
        return ""

    out = tmp_path / "b.jsonl"
    stats = await generate_multiquery(
        FunctionBackend(must_not_be_called, model="fake"),
        PROBLEMS,
        n_questions=3,
        seed=7,
        out_path=out,
        call_log=log,
    )
    assert calls == [] and stats.kept == 3
    assert out.read_bytes() == (tmp_path / "a.jsonl").read_bytes()


async def test_rejects_bad_arguments(tmp_path: Path) -> None:
    backend = FunctionBackend(_fake_model)
    with pytest.raises(InputError, match="n_questions"):
        await generate_multiquery(backend, PROBLEMS, n_questions=0, seed=0, out_path=tmp_path / "x")
    with pytest.raises(InputError, match="no problems"):
        await generate_multiquery(backend, [], n_questions=1, seed=0, out_path=tmp_path / "x")


@pytest.mark.parametrize(
    ("reply", "expected", "skipped"),
    [
        ('[{"question": "A?", "answer": "3"}]', [("A?", "3")], 0),
        ('```json\n[{"question": "A?", "answer": 3}]\n```', [("A?", "3")], 0),
        ('Here: [{"q": "A?", "a": "1,200"}] done', [("A?", "1,200")], 0),
        (
            '[{"question": "A?", "answer": "three"}, {"question": "B?", "answer": "2"}]',
            [("B?", "2")],
            1,
        ),
        ('[{"question": "", "answer": "1"}, "junk", {"answer": "4"}]', [], 3),
        ('[{"question": "A?", "answer": true}]', [], 1),
        ('[{"question": "A?", "answer": "16/12 = 1.33"}]', [("A?", "1.33")], 0),
        ('[{"question": "A?", "answer": "$8 dollars"}]', [("A?", "8")], 0),
        ('[{"question": "A?", "answer": "3 + 4"}, {"question": "B?", "answer": "2-3"}]', [], 2),
        ('{"question": "A?", "answer": "5"}\n{"question": "B?", "answer": "6"', [("A?", "5")], 0),
        (
            '{"question": "A?", "answer": "5"}\n{"question": "a?  ", "answer": "7"}',
            [("A?", "5")],
            1,
        ),
        (
            "1. Question: How many?\nAnswer: 42\n2. Question: And now?\nAnswer: 7",
            [("How many?", "42"), ("And now?", "7")],
            0,
        ),
        ('[{"question": "Orig q?", "answer": "1"}]', [], 1),
        ("[not json at all", [], 0),
        ('[{"question": "A?", "answer": "1"}, {"question": "B?", "ans', [("A?", "1")], 0),
        ("", [], 0),
    ],
)
def test_parse_is_lenient_on_layout_strict_on_content(
    reply: str, expected: list[tuple[str, str]], skipped: int
) -> None:
    pairs, bad = parse_pairs(reply, limit=5, original_query="orig  Q?")
    assert [(p.question, p.answer) for p in pairs] == expected
    assert bad == skipped


# question -> (calculation, stated answer): what the calc-asking prompt gets back for p-0.
CALC_PAIRS = [
    ("How much milk do the cows give in a week?", "4 * 3 * 7", "84"),  # holds
    ("How many legs do the hens have?", "6 * 2", "12"),  # holds; the re-solve agrees too
    ("How many liters in two days?", "4 * 3 * 2", "25"),  # slip: 24
    ("How much milk from 5 cows?", "5 * 3", "15"),  # holds: "5" is in the question
    ("How many animals are there?", "4 + 6 + 9", "19"),  # 9 is not in the text
    ("How many cows?", "4", "4"),  # no calculation to check
]


def _calc_model(solved: list[str]) -> FunctionBackend:
    def model(request: ChatRequest) -> str:
        text = request.messages[-1].content
        if "one arithmetic expression" in text:
            items = [{"question": q, "calc": c, "answer": a} for q, c, a in CALC_PAIRS]
            return json.dumps(items)
        solved.append(text)
        return "6 hens have 2 legs each. The answer is 12." if "legs" in text else "7"

    return FunctionBackend(model, model="fake")


@pytest.mark.parametrize(
    ("verify", "kept", "solves"),
    [
        ("calc", ["week", "legs", "5 cows"], 0),
        ("both", ["legs"], 3),  # only the pairs whose calculation held are re-solved
    ],
)
async def test_calc_check_keeps_pairs_whose_calculation_holds_without_a_model(
    tmp_path: Path, verify: str, kept: list[str], solves: int
) -> None:
    solved: list[str] = []
    out = tmp_path / "calc.jsonl"
    stats = await generate_multiquery(
        _calc_model(solved), PROBLEMS[:1], n_questions=6, seed=0, out_path=out, verify=verify
    )
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [next(w for w in kept if w in r["question"]) for r in records] == kept
    assert len(solved) == solves
    meta = json.loads(stats.meta_path.read_text(encoding="utf-8"))
    assert meta["counts"]["generated"] == 6 and meta["counts"]["discarded_calc"] == 3
    assert meta["provenance"]["verify"] == verify
    assert meta["provenance"]["prompt_version"] == "multiquery_generate_calc@v1"
    assert records[0]["calc"] == CALC_PAIRS[0][1] or verify == "both"
    assert all(r["agreement"] is (None if verify == "calc" else True) for r in records)


async def test_an_unknown_verify_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="verify must be one of resolve, calc, both"):
        await generate_multiquery(
            FunctionBackend(_fake_model), PROBLEMS, n_questions=1, seed=0,
            out_path=tmp_path / "x", verify="vibes",
        )  # fmt: skip


def test_parse_reads_the_calculation_when_one_is_written() -> None:
    reply = '[{"question": "A?", "calc": "2 * 3", "answer": "6"}, {"question": "B?", "answer": 1}]'
    pairs, _ = parse_pairs(reply, limit=5)
    assert [(p.question, p.calc) for p in pairs] == [("A?", "2 * 3"), ("B?", None)]


def test_parse_stops_at_the_limit() -> None:
    reply = json.dumps([{"question": f"Q{i}?", "answer": str(i)} for i in range(10)])
    pairs, bad = parse_pairs(reply, limit=3)
    assert [p.answer for p in pairs] == ["0", "1", "2"] and bad == 0


@pytest.mark.integration
async def test_real_embedded_model_runs_the_pipeline(tmp_path: Path) -> None:
    from sleeptime.backends.registry import create_backend
    from sleeptime.settings import Settings

    backend = create_backend("llama", settings=Settings(n_ctx=2048, n_threads=2))
    out = tmp_path / "real.jsonl"
    stats = await generate_multiquery(
        backend,
        PROBLEMS[:1],
        n_questions=2,
        seed=0,
        out_path=out,
        gen_max_tokens=96,
        solver_max_tokens=64,
    )
    meta = json.loads(stats.meta_path.read_text(encoding="utf-8"))
    assert meta["counts"]["contexts"] == 1
    assert meta["usage"]["generation"]["calls"] == 1
    assert meta["usage"]["generation"]["completion_tokens"] > 0
    assert meta["usage"]["verification"]["calls"] == stats.generated
    assert meta["provenance"]["backend"] == "llama"
    for line in out.read_text(encoding="utf-8").splitlines():
        assert json.loads(line)["agreement"] is True


def test_cli_writes_the_set_from_real_contexts(data_root: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sleeptime.cli.main import cli

    replies = tmp_path / "replies.json"
    generation = json.dumps(
        [{"question": "How many in total?", "answer": "5"}, {"question": "Left?", "answer": "6"}]
    )
    replies.write_text(json.dumps([generation, "2 + 3. The answer is 5.", "The answer is 9."]))
    out = tmp_path / "mq" / "set.jsonl"
    args = ["multiquery", "--dataset", "gsm-symbolic-p2"]
    args += ["--limit", "1", "--n-questions", "2", "--backend", "scripted"]
    args += ["--model", str(replies), "--out", str(out)]
    result = CliRunner().invoke(cli, args, env={"SLEEPTIME_DATA_ROOT": str(data_root)})
    assert result.exit_code == 0, result.output
    assert "2 questions generated, 1 kept, 1 discarded" in result.output
    (record,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["question"] == "How many in total?" and record["context"]
    meta = json.loads(meta_path_for(out).read_text(encoding="utf-8"))
    assert "CC BY-NC-ND" in meta["license_note"]
    assert meta["datasets"] == ["gsm-symbolic-p2"]


def test_cli_sample_picks_the_contexts_a_sweep_with_the_same_sample_uses(
    data_root: Path, tmp_path: Path
) -> None:
    """So a shared --calls log replays the sweep's sleep for the amortization run."""
    from click.testing import CliRunner

    from sleeptime.benchmark.experiments.common import load_problems
    from sleeptime.benchmark.experiments.config import ExperimentConfig
    from sleeptime.cli.main import cli

    sweep = ExperimentConfig(
        out=tmp_path / "s", dataset="gsm-symbolic-p2", data=data_root, sample=7
    )
    expected = [p.id for p in load_problems(sweep)][:2]
    replies = tmp_path / "replies.json"
    generation = json.dumps([{"question": "How many in total?", "calc": "1 + 2", "answer": "3"}])
    replies.write_text(json.dumps([generation, generation]))
    out = tmp_path / "set.jsonl"
    args = ["multiquery", "--dataset", "gsm-symbolic-p2", "--sample", "7", "--limit", "2"]
    args += ["--seed", "0", "--verify", "calc", "--backend", "scripted"]
    args += ["--model", str(replies), "--out", str(out)]
    result = CliRunner().invoke(cli, args, env={"SLEEPTIME_DATA_ROOT": str(data_root)})
    assert result.exit_code == 0, result.output
    assert "discarded by the calc check" in result.output
    meta = json.loads(meta_path_for(out).read_text(encoding="utf-8"))
    assert [c["context_id"] for c in meta["per_context"]] == expected
    assert expected != [p.id for p in load_problems(sweep.model_copy(update={"sample": None}))][:2]


async def test_sequential_asks_one_question_per_call_showing_those_already_asked(
    tmp_path: Path,
) -> None:
    """Stops once N are kept; a repeat or a failed check costs a call, never a loop."""
    script = [
        ("How much milk in a week?", "4 * 3 * 7", "84"),  # kept
        ("How much milk in a week?", "4 * 3 * 7", "84"),  # repeat: skipped
        ("How many liters in two days?", "4 * 3 * 2", "25"),  # slip: discarded
        ("How many legs do the hens have?", "6 * 2", "12"),  # kept
        ("Never asked", "1 + 1", "2"),
    ]
    prompts: list[str] = []
    seeds: list[int | None] = []

    def model(request: ChatRequest) -> str:
        prompts.append(request.messages[-1].content)
        seeds.append(request.seed)
        question, calc, answer = script[len(prompts) - 1]
        return json.dumps({"question": question, "calc": calc, "answer": answer})

    stats = await generate_multiquery(
        FunctionBackend(model, model="fake"), PROBLEMS[:1], n_questions=2, seed=5,
        out_path=tmp_path / "seq.jsonl", verify="calc", sequential=True,
    )  # fmt: skip
    records = [json.loads(x) for x in (tmp_path / "seq.jsonl").read_text().splitlines()]
    assert [r["question"] for r in records] == [
        "How much milk in a week?",
        "How many legs do the hens have?",
    ]
    assert len(prompts) == 4 and seeds == [5, 6, 7, 8]
    assert "- How many liters of milk do the cows give a day?" in prompts[0]
    assert "- How many liters in two days?" in prompts[3]  # discarded ones are listed too
    (counts,) = json.loads(stats.meta_path.read_text())["per_context"]
    assert (counts["generated"], counts["kept"], counts["discarded"]) == (3, 2, 1)
    assert counts["malformed"] == 1 and counts["discarded_calc"] == 1


async def test_sequential_gives_up_after_twice_n_calls(tmp_path: Path) -> None:
    calls: list[str] = []

    def model(request: ChatRequest) -> str:
        calls.append(request.messages[-1].content)
        return "no idea"

    stats = await generate_multiquery(
        FunctionBackend(model, model="fake"), PROBLEMS[:1], n_questions=3, seed=0,
        out_path=tmp_path / "none.jsonl", verify="calc", sequential=True,
    )  # fmt: skip
    assert len(calls) == 6 and stats.kept == 0
