"""``--sample``: a seeded draw across the whole file, so a small run is not one template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from sleeptime.backends import ChatRequest, ChatResult, FunctionBackend, Usage
from sleeptime.benchmark.experiments import SweepConfig, run_sweep
from sleeptime.benchmark.experiments.common import load_problems
from sleeptime.cli.main import cli


def _ids(data_root: Path, **options: int) -> list[str]:
    config = SweepConfig(out=Path("unused"), data=data_root, **options)
    return [problem.id for problem in load_problems(config)]


def test_sample_spreads_over_templates_in_file_order(data_root: Path) -> None:
    first = _ids(data_root, limit=30)
    assert {pid.split("-")[0] for pid in first} == {"0"}
    drawn = _ids(data_root, sample=30)
    assert len(drawn) == len(set(drawn)) == 30
    assert len({pid.split("-")[0] for pid in drawn}) >= 15
    order = {pid: n for n, pid in enumerate(_ids(data_root))}
    assert [order[pid] for pid in drawn] == sorted(order[pid] for pid in drawn)


def test_sample_is_fixed_by_the_seed(data_root: Path) -> None:
    assert _ids(data_root, sample=10) == _ids(data_root, sample=10, seed=0)
    assert _ids(data_root, sample=10) != _ids(data_root, sample=10, seed=1)


def test_sample_applies_after_limit_and_never_exceeds_it(data_root: Path) -> None:
    assert _ids(data_root, limit=5, sample=50) == _ids(data_root, limit=5)
    assert set(_ids(data_root, limit=40, sample=8)) <= set(_ids(data_root, limit=40))


def test_sample_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        SweepConfig(out=tmp_path, sample=0)
    result = CliRunner().invoke(cli, ["bench", "sweep", "--sample", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--sample" in result.output


def test_shards_partition_the_chosen_problems(data_root: Path) -> None:
    whole = _ids(data_root, sample=11)
    parts = [_ids_sharded(data_root, f"{k}/3", sample=11) for k in (1, 2, 3)]
    assert sorted(pid for part in parts for pid in part) == sorted(whole)
    assert [len(p) for p in parts] == [4, 4, 3]


@pytest.mark.parametrize("shard", ["0/2", "3/2", "x", "1/2/3", "1/0", ""])
def test_bad_shards_say_what_to_type(shard: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="K/N"):
        SweepConfig(out=tmp_path, shard=shard)


async def test_sharded_runs_share_a_call_log_and_merge_by_replay(
    data_root: Path, tmp_path: Path
) -> None:
    calls = tmp_path / "calls.db"
    common: dict[str, Any] = {"data": data_root, "sample": 6, "budgets": [0, 1]}
    common |= {"conditions": ["baseline"], "progress": False, "calls": calls}
    made = 0
    for k in (1, 2):
        config = SweepConfig(out=tmp_path / f"shard{k}", shard=f"{k}/2", **common)
        part = await run_sweep(config, backend=FunctionBackend(_answer))
        assert part.summary["problems"] == 3
        made += part.misses
    merged = await run_sweep(
        SweepConfig(out=tmp_path / "all", **common), backend=FunctionBackend(_refuse)
    )
    assert (merged.misses, merged.hits) == (0, made) and made == 6 * 2
    assert merged.summary["problems"] == 6


def _ids_sharded(data_root: Path, shard: str, **options: int) -> list[str]:
    config = SweepConfig(out=Path("unused"), data=data_root, shard=shard, **options)
    return [problem.id for problem in load_problems(config)]


def _answer(request: ChatRequest) -> ChatResult:
    return ChatResult(text="The answer is 3.", usage=Usage(prompt_tokens=9, completion_tokens=5))


def _refuse(request: ChatRequest) -> ChatResult:
    raise AssertionError("the merged run must replay every call from the shards")
