"""The paper's sleep-time loop: the model rewrites its notes until it finishes or runs out.

Each round is a fresh request (system + context + current notes), not a growing chat, so
the prompt stays bounded and its prefix (instructions and context) is identical across
rounds, which lets KV and provider prefix caches skip re-reading the context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sleeptime.backends.base import Backend, ChatRequest, Message
from sleeptime.errors import BudgetExceededError
from sleeptime.prompts import load_prompt
from sleeptime.sleep.arithmetic import check_notes
from sleeptime.sleep.events import EventSink, SleepEvent, SleepEventKind, ignore_events
from sleeptime.sleep.protocol import TOOLS, Action, clip_notes, parse_text_reply, parse_tool_calls
from sleeptime.sleep.recipes import SleepBudget
from sleeptime.values import Usage

EMPTY_MEMORY = "[empty]"
PROMPT_NAMES = ("sleep_system", "sleep_tools", "sleep_text_protocol", "sleep_round")


def prompt_versions() -> dict[str, str]:
    """The prompt keys a sleep run depends on, for its record."""
    return {name: load_prompt(name).key for name in PROMPT_NAMES}


@dataclass(slots=True)
class LoopOutcome:
    """What one rethink loop produced and what it cost."""

    notes: str
    rounds: int
    finished: bool
    """True when the model called finish; False when it hit the round limit."""
    usage: Usage = field(default_factory=Usage)
    empty_finishes: int = 0
    """Finishes refused because no notes had been written yet."""
    malformed: int = 0
    untagged: int = 0
    clipped: int = 0
    protocol: str = "text"
    checked: int = 0
    """Calculations in the final notes that the calculator could read."""
    slips_found: int = 0
    """Wrong results the calculator found over all rounds (each sent back as feedback)."""
    slips_left: int = 0
    """Wrong results still in the final notes (the rounds ran out before they were fixed)."""


class SleepCutOff(BudgetExceededError):
    """Raised inside a loop when the run's token budget is spent; carries the partial notes."""

    def __init__(self, message: str, partial_notes: str, rounds: int, loop: int = 0) -> None:
        super().__init__(message)
        self.partial_notes = partial_notes
        self.rounds = rounds
        self.loop = loop


def system_prompt(budget: SleepBudget, native: bool) -> str:
    """The fixed instructions of every round (identical across rounds and loops)."""
    base = load_prompt("sleep_system").render(max_chars=budget.memory_chars)
    if native:
        return f"{base}\n\n{load_prompt('sleep_tools').render()}"
    return base


def round_prompt(
    context: str,
    memory: str,
    round_no: int,
    budget: SleepBudget,
    feedback: str | None,
    focus: str,
    *,
    native: bool = False,
) -> str:
    """The per-round request: context first (a stable prefix), then notes and feedback."""
    if memory == EMPTY_MEMORY:
        block = "You have no notes yet."
    else:
        block = f"Your current notes:\n<notes>\n{memory}\n</notes>"
    protocol = "" if native else load_prompt("sleep_text_protocol").render()
    return load_prompt("sleep_round").render(
        context=context,
        memory=block,
        round=round_no,
        max_rounds=budget.max_rounds,
        feedback=f"Feedback on your last reply: {feedback}.\n" if feedback else "",
        protocol=protocol,
        focus=f" {focus}" if focus else "",
    )


async def rethink_loop(
    backend: Backend,
    context: str,
    budget: SleepBudget,
    *,
    run_usage: Usage,
    loop_index: int = 0,
    loops: int = 1,
    temperature: float = 0.0,
    seed: int | None = None,
    focus: str = "",
    on_event: EventSink = ignore_events,
    initial_notes: str | None = None,
) -> LoopOutcome:
    """Run one loop; ``run_usage`` is shared by all loops of a run and enforces its budget.

    ``initial_notes`` starts the loop from earlier notes (incremental sleep on appended
    text) instead of from none.
    """
    native = backend.info.native_tools
    system = system_prompt(budget, native)
    memory = initial_notes.strip() if initial_notes and initial_notes.strip() else EMPTY_MEMORY
    outcome = LoopOutcome(
        notes=EMPTY_MEMORY, rounds=0, finished=False, protocol="tools" if native else "text"
    )
    feedback: str | None = None
    for round_no in range(1, budget.max_rounds + 1):
        on_event(
            SleepEvent(
                SleepEventKind.ROUND_START,
                loop=loop_index,
                round=round_no,
                max_rounds=budget.max_rounds,
                loops=loops,
                notes_chars=0 if memory == EMPTY_MEMORY else len(memory),
                usage=run_usage,
            )
        )
        request = ChatRequest(
            messages=(
                Message("system", system),
                Message(
                    "user",
                    round_prompt(context, memory, round_no, budget, feedback, focus, native=native),
                ),
            ),
            max_tokens=budget.round_max_tokens,
            temperature=temperature,
            tools=TOOLS if native else (),
            seed=seed,
            background=True,
            reasoning_effort=budget.reasoning_effort,
            thinking_tokens=budget.thinking_tokens,
        )
        result = await backend.chat(request)
        outcome.usage.add(result.usage)
        run_usage.add(result.usage)
        outcome.rounds = round_no
        if result.tool_calls:
            action = parse_tool_calls(result.tool_calls)
        else:
            # Native-tool models sometimes answer in text; the text protocol still applies.
            action = parse_text_reply(result.text, strict=budget.strict_protocol)
        memory, feedback = _apply(action, memory, budget, outcome)
        slip_feedback = _check(memory, action, budget, outcome)
        if slip_feedback:
            feedback = f"{feedback}; {slip_feedback}" if feedback else slip_feedback
        if result.finish_reason == "length" and action.kind != "finish":
            feedback = (feedback + "; " if feedback else "") + (
                "your reply was cut off at the token limit, so write shorter notes"
            )
        on_event(
            SleepEvent(
                SleepEventKind.ROUND_END,
                loop=loop_index,
                round=round_no,
                max_rounds=budget.max_rounds,
                loops=loops,
                notes_chars=0 if memory == EMPTY_MEMORY else len(memory),
                usage=run_usage,
                message=action.kind,
            )
        )
        if budget.max_sleep_tokens is not None and run_usage.total_tokens > budget.max_sleep_tokens:
            raise SleepCutOff(
                f"the sleep run used {run_usage.total_tokens} tokens, over its budget of "
                f"{budget.max_sleep_tokens}; raise the budget's max_sleep_tokens or lower "
                "its max_rounds",
                partial_notes=memory,
                rounds=round_no,
                loop=loop_index,
            ).hinted("raise --max-sleep-tokens or lower --max-rounds")
        wants_finish = action.kind == "finish" or action.finish_after
        if wants_finish and memory == EMPTY_MEMORY:
            # Finishing with no notes would waste the run: a small model often says
            # "done" at once. Refuse it and ask for notes, like a calculator slip.
            outcome.empty_finishes += 1
            feedback = (feedback + "; " if feedback else "") + (
                "you finished without writing any notes; write the notes first"
            )
            continue
        if wants_finish and not slip_feedback:
            outcome.finished = True
            break
    outcome.notes = memory
    on_event(
        SleepEvent(
            SleepEventKind.LOOP_END,
            loop=loop_index,
            round=outcome.rounds,
            max_rounds=budget.max_rounds,
            loops=loops,
            notes_chars=0 if memory == EMPTY_MEMORY else len(memory),
            usage=run_usage,
            message="finished" if outcome.finished else "round limit",
        )
    )
    return outcome


def _check(memory: str, action: Action, budget: SleepBudget, outcome: LoopOutcome) -> str | None:
    """Calculator feedback on notes just written (a finish with known slips is refused)."""
    if not budget.check_arithmetic or memory == EMPTY_MEMORY:
        return None
    check = check_notes(memory)
    outcome.checked, outcome.slips_left = check.checked, len(check.slips)
    if action.memory is not None:
        outcome.slips_found += len(check.slips)
    return check.feedback()


def _apply(
    action: Action, memory: str, budget: SleepBudget, outcome: LoopOutcome
) -> tuple[str, str | None]:
    feedback = action.feedback
    if action.kind == "malformed":
        outcome.malformed += 1
        return memory, feedback
    if action.untagged:
        outcome.untagged += 1
    if action.memory is not None:
        notes, clipped = clip_notes(action.memory, budget.memory_chars)
        if clipped:
            outcome.clipped += 1
            extra = f"your notes were cut to {budget.memory_chars} characters; keep them shorter"
            feedback = f"{feedback}; {extra}" if feedback else extra
        return notes, feedback
    return memory, feedback
