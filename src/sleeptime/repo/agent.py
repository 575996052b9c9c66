"""A tool-using agent loop over a repository, under a step and a token budget.

The same loop serves sleep time (explore, then write an architecture map) and test time
(explore, then name the files a change needs); only the prompts differ. Native tool calls
are used when the backend has them, the text protocol of ``repo/protocol.py`` otherwise.
The last step offers no tools and asks for the answer, so a run that spends its budget
still ends with something to score rather than a half-finished exploration.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from sleeptime.backends.base import Backend, ChatRequest, Message, ToolCall
from sleeptime.errors import InputError
from sleeptime.prompts import load_prompt
from sleeptime.repo.protocol import describe_tools, format_results, parse_text_reply
from sleeptime.repo.tools import RepoTools, ToolOutput
from sleeptime.values import Usage

StopReason = Literal["answer", "steps", "tokens", "lookup"]
"""Why a run stopped; ``lookup``: no model ran, the answer is sleep's word lookup."""

FINAL_STEP = (
    "You have no tool calls left. Give your final answer now, between <answer> and </answer>."
)
NO_ACTION = (
    'Call a tool, for example <tool name="list_files">{}</tool>, '
    "or give your final answer between <answer> and </answer>."
)
EXPLORE_FIRST = (
    "Not yet: look at the code before you answer. Make at least {left} more tool call(s), "
    "for example read the files that most changes touch, then answer."
)
DROPPED = "[an earlier tool result was dropped to save room; call the tool again if needed]"


@dataclass(frozen=True, slots=True)
class AgentBudget:
    """How much one agent run may spend; the test-time budget ``b`` is ``max_steps``."""

    max_steps: int = 8
    """Model calls at most; the last one must answer."""
    max_tokens: int = 40_000
    """Prompt plus generated tokens over the run; past 80 % the next step must answer."""
    reply_tokens: int = 512
    """Cap on one reply."""
    calls_per_step: int = 3
    """Tool calls carried out per reply; more are refused with a message."""
    history_chars: int = 24_000
    """Older tool results are dropped when the conversation grows past this."""
    min_tool_steps: int = 0
    """Steps with tool calls before an answer is taken (the final step answers anyway, and
    so does a step that repeats an answer already sent back). Why: at sleep time a small
    model writes its map from the file list after one step, without reading code; sleep
    compute is the cheap side, so it can be asked to look."""

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.max_tokens < 1 or self.reply_tokens < 1:
            raise InputError("agent budget: steps, tokens and reply tokens must be at least 1")
        if self.min_tool_steps < 0:
            raise InputError("agent budget: min_tool_steps must be 0 or more")


@dataclass(frozen=True, slots=True)
class AgentStep:
    """One model call: what it said, the tools it called and what they returned."""

    number: int
    text: str
    calls: tuple[ToolCall, ...]
    outputs: tuple[ToolOutput, ...]
    usage: Usage


@dataclass(slots=True)
class AgentResult:
    """The final text, why the run stopped, every step and the summed usage."""

    text: str
    stop: StopReason
    steps: list[AgentStep] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    prompt_keys: tuple[str, ...] = ()

    @property
    def tool_calls(self) -> int:
        """Tool calls made over the run (refused ones included)."""
        return sum(len(step.calls) for step in self.steps)


def _fit(messages: list[Message], limit: int) -> tuple[Message, ...]:
    """Drop the oldest tool results until the conversation fits in ``limit`` characters."""
    size = sum(len(m.content) for m in messages)
    out = list(messages)
    for index, message in enumerate(out[:-1]):  # the newest message always stays
        if size <= limit:
            break
        is_result = message.role == "tool" or (
            message.role == "user" and message.content.startswith("<result")
        )
        if is_result and message.content != DROPPED:
            size -= len(message.content) - len(DROPPED)
            out[index] = Message(
                role=message.role,
                content=DROPPED,
                tool_call_id=message.tool_call_id,
                name=message.name,
            )
    return tuple(out)


async def _execute(tools: RepoTools, calls: tuple[ToolCall, ...], cap: int) -> list[ToolOutput]:
    outputs: list[ToolOutput] = []
    for index, call in enumerate(calls):
        if index >= cap:
            text = f"error: only {cap} tool calls are carried out per reply; send it again"
            outputs.append(ToolOutput(call.name, text, ok=False))
            continue
        # Tools read files and run git: keep them off the event loop.
        outputs.append(await asyncio.to_thread(tools.execute, call))
    return outputs


def agent_system(
    system: str, tools: RepoTools, *, native: bool, prompt_keys: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...]]:
    """The system prompt as sent, and the prompt keys it used.

    Without native tool calls the text protocol (with the tools described) follows the
    caller's system prompt. One function builds it for the loop and for anyone saving the
    KV state of the prompt's fixed start (``answer_agent.warm_agent_prefix``), so the two
    cannot drift apart.
    """
    if native:
        return system, prompt_keys
    protocol = load_prompt("repo_text_protocol")
    text = system + "\n\n" + protocol.render(tools=describe_tools(tools.specs))
    return text, (*prompt_keys, protocol.key)


async def run_agent(
    backend: Backend,
    tools: RepoTools,
    *,
    system: str,
    task: str,
    budget: AgentBudget | None = None,
    prompt_keys: tuple[str, ...] = (),
    on_step: Callable[[AgentStep], None] | None = None,
    is_answer: Callable[[str], bool] | None = None,
) -> AgentResult:
    """Run the loop until the model answers or the budget ends; never raises for tool trouble.

    Backend errors propagate (a dead model is not something the model can fix).
    ``on_step`` sees every finished step (live progress, a sleep run's heartbeat).
    ``is_answer`` recognises an answer written without the ``<answer>`` tags (a reply that
    calls no tool): small models often reply with the bare file list, and nudging them for
    the tags instead got "<answer>Done</answer>" on the next step, losing the list.
    """
    budget = budget or AgentBudget()
    native = backend.info.native_tools
    system, keys = agent_system(system, tools, native=native, prompt_keys=prompt_keys)
    messages: list[Message] = [Message("system", system), Message("user", task)]
    result = AgentResult(text="", stop="steps", prompt_keys=keys)

    def record(step: AgentStep) -> None:
        result.steps.append(step)
        if on_step is not None:
            on_step(step)

    last_text = ""
    # Answers sent back with EXPLORE_FIRST. A model that writes the same one again will not
    # explore (Qwen2.5-Coder-1.5B at temperature 0 repeated its map for all 8 steps of every
    # sleep, about 10x the tokens, never calling a tool), so a repeat is taken.
    held_back: set[str] = set()
    for number in range(1, budget.max_steps + 1):
        if result.usage.total_tokens >= budget.max_tokens:
            result.stop = "tokens"
            break
        final = number == budget.max_steps or result.usage.total_tokens >= 0.8 * budget.max_tokens
        if final:
            messages.append(Message("user", FINAL_STEP))
        request = ChatRequest(
            messages=_fit(messages, budget.history_chars),
            max_tokens=budget.reply_tokens,
            tools=tools.specs if native and not final else (),
        )
        reply = await backend.chat(request)
        result.usage.add(reply.usage)
        text = reply.text.strip()
        last_text = text or last_text
        if native and reply.tool_calls and not final:
            calls, answer = reply.tool_calls, None
        else:
            parsed = parse_text_reply(text)
            calls, answer = parsed.calls, parsed.answer
            if native and not calls and answer is None and text:
                answer = text  # a native model answers in plain text
            if not calls and answer is None and is_answer is not None and is_answer(text):
                answer = text  # an answer without its tags
        if final and answer is None and text:
            answer = text  # out of budget: take what it wrote
        explored = sum(1 for step in result.steps if step.calls)
        repeated = answer is not None and answer in held_back
        if answer is not None and not final and explored < budget.min_tool_steps and not repeated:
            held_back.add(answer)
            record(AgentStep(number, text, (), (), reply.usage))
            messages.append(Message("assistant", reply.text or "(empty reply)"))
            left = budget.min_tool_steps - explored
            messages.append(Message("user", EXPLORE_FIRST.format(left=left)))
            continue
        if answer is not None:
            record(AgentStep(number, text, (), (), reply.usage))
            result.text, result.stop = answer, "answer"
            return result
        outputs = await _execute(tools, calls, budget.calls_per_step) if calls else []
        record(AgentStep(number, text, calls, tuple(outputs), reply.usage))
        if final:
            break
        if native and calls:
            messages.append(Message("assistant", reply.text, tool_calls=calls))
            messages.extend(
                Message("tool", out.text, tool_call_id=call.id or None, name=call.name)
                for call, out in zip(calls, outputs, strict=True)
            )
        elif calls:
            messages.append(Message("assistant", reply.text))
            left = budget.max_steps - number - 1
            note = f"\n\n({left} tool step(s) left before you must answer.)"
            messages.append(Message("user", format_results(outputs) + note))
        else:
            messages.append(Message("assistant", reply.text or "(empty reply)"))
            messages.append(Message("user", NO_ACTION))
    if result.stop != "tokens" and result.usage.total_tokens >= budget.max_tokens:
        result.stop = "tokens"
    result.text = last_text
    return result
