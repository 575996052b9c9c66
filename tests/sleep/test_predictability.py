"""A sleep run scores how predictable its anticipated questions are; the scheduler reads it."""

from __future__ import annotations

import math

from sleeptime.backends import ScriptedBackend
from sleeptime.scheduling import gather_inputs
from sleeptime.sleep import SleepBudget, parse_recipe, run_sleep
from sleeptime.store import RevisionRecord, Store

NOTES = (
    "<notes>Rooms: 3 * 8 = 24 seats.\nQ: How many seats are there in total?\nA: 24\n"
    "Q: When does the office open?\nA: 9</notes><finish/>"
)


async def test_anticipated_questions_carry_their_log_probability(
    store: Store, revision: RevisionRecord
) -> None:
    backend = ScriptedBackend([NOTES])
    result = await run_sleep(store, revision, backend, parse_recipe("rethink"), SleepBudget())
    items = result.artifact.anticipated
    assert items and all("logprob" in i and i["tokens"] > 0 for i in items)
    # The scripted backend scores minus one nat per token: exp(-1) per token.
    [inputs] = gather_inputs(store, "default")
    assert inputs.predictability is not None
    assert math.isclose(inputs.predictability, math.exp(-1), rel_tol=1e-3)
    run = store.get_run(result.run_id)
    assert run.details["anticipated"]["predictability_scored"] == len(items)
