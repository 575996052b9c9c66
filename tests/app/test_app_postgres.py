"""The front door end to end on a real PostgreSQL server: add, sleep, ask, stats."""

from __future__ import annotations

from sleeptime.app import Sleeptime
from sleeptime.backends import ScriptedBackend
from sleeptime.settings import Settings

TEXT = "The office opens at 9 and closes at 17. It has 3 rooms with 8 seats each."


async def test_sleep_ask_and_stats_on_postgresql(postgres_url: str) -> None:
    app = Sleeptime(Settings(database_url=postgres_url))
    try:
        app.add_context("office", TEXT)
        sleeper = ScriptedBackend(["<notes>Seats: 3 * 8 = 24.</notes><finish/>"])
        await app.sleep("office", backend=sleeper)
        answerer = ScriptedBackend(["24 seats.", "24."])
        # Composed prompt versions (answer prompt, layout policy) are longer than the
        # 50 characters the first schema allowed; PostgreSQL enforces the length.
        asked = await app.ask("office", "How many seats?", backend=answerer, anticipated=False)
        assert len(asked.query.prompt_version) > 50, asked.query.prompt_version
        await app.ask("office", "How many seats?", mode="baseline", budget=4, backend=answerer)
        stats = app.stats("office")
        assert stats.sleep is not None and stats.baseline is not None
    finally:
        await app.aclose()
