"""The experiment code against a real OpenAI-compatible server on loopback.

``python -m llama_cpp.server`` serves the embedded SmolLM2 model; the sweep runs through the
openai backend (text protocol for sleep, as the server ignores tools) and is re-run from
the call log.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.llama_server import SMOLLM2_ALIAS
from sleeptime.backends import create_backend
from sleeptime.benchmark.experiments import SweepConfig, run_sweep
from sleeptime.benchmark.experiments.common import load_problems
from sleeptime.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.server]

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


async def test_sweep_through_the_openai_compatible_server(
    llama_server: str, tmp_path: Path
) -> None:
    if not (DATA / "gsm-symbolic").is_dir():
        pytest.skip(f"benchmark data not found at {DATA} (needs ../shared/data next to the repo)")
    settings = Settings(openai_base_url=llama_server, openai_native_tools=False)
    config = SweepConfig(
        out=tmp_path,
        data=DATA,
        limit=1,
        budgets=[0],
        conditions=["baseline", "sleep:1"],
        max_rounds=1,
        round_tokens=48,
        memory_chars=300,
        max_tokens=24,
        concurrency=2,
        progress=False,
        layout="both",  # under auto, notes that add nothing make the sleep answer a replay
    )
    problems = load_problems(config)
    backend = create_backend("openai", model=SMOLLM2_ALIAS, settings=settings)
    try:
        first = await run_sweep(config, backend=backend, problems=problems)
        assert first.misses == 1 + 2 and first.summary["errors"] == 0
        points = {p["condition"]: p for p in first.summary["points"]}
        assert points["baseline"]["mean_test_generated"] > 0
        assert points["sleep:1"]["mean_sleep_generated"] > 0
        recorded = json.loads((tmp_path / "config.json").read_text())
        assert recorded["backend"]["backend"] == "openai"
        assert recorded["backend"]["native_tools"] is False
        again = await run_sweep(config, backend=backend, problems=problems)
        assert (again.misses, again.hits) == (0, first.misses)
        assert again.summary["points"] == first.summary["points"]
    finally:
        await backend.aclose()
    assert (tmp_path / "accuracy_vs_tokens.png").is_file()
    assert (tmp_path / "report.md").is_file()
