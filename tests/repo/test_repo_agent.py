"""The agent loop's logic with scripted replies: tools, refusals, budgets, malformed calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from sleeptime.backends.base import ChatRequest, ChatResult, ToolCall
from sleeptime.backends.scripted import FunctionBackend, ScriptedBackend
from sleeptime.errors import BackendError, InputError
from sleeptime.repo.agent import AgentBudget, run_agent
from sleeptime.repo.answer_agent import answer_request, extract_files
from sleeptime.repo.sleep_agent import sleep_on_repository
from sleeptime.repo.snapshot import take_snapshot
from sleeptime.repo.tools import RepoTools
from sleeptime.values import Usage


@pytest.fixture
def tools(shop_repo: Path) -> RepoTools:
    return RepoTools(take_snapshot(shop_repo))


async def test_text_protocol_tools_then_answer(tools: RepoTools) -> None:
    backend = ScriptedBackend(
        [
            'Let me look.\n<tool name="search">{"query": "def export"}</tool>',
            '<tool name="read_file">{"path": "shop/export.py"}</tool>',
            "<answer>\n- shop/cli.py: add the flag (calls shop/export.py)\n"
            "- `shop/export.py`: write JSON\n- shop/nothing.py: guess\n</answer>",
        ]
    )
    answer = await answer_request(backend, tools, "Add a --json flag to export")
    assert answer.files == ("shop/cli.py", "shop/export.py")
    assert answer.unknown == ("shop/nothing.py",)
    assert answer.run.stop == "answer"
    assert answer.run.tool_calls == 2
    assert answer.run.usage.calls == 3
    assert answer.run.usage.total_tokens > 0
    # The tool results went back to the model as the next user message.
    second = backend.requests[1].messages
    assert second[-1].role == "user" and "shop/cli.py:4: def export(fmt" in second[-1].content
    assert "search(query: string" in backend.requests[0].messages[0].content  # protocol prompt
    assert "repo_text_protocol@v1" in answer.run.prompt_keys


async def test_native_tool_calls_round_trip(tools: RepoTools) -> None:
    backend = ScriptedBackend(
        [
            ToolCall("read_file", {"path": "shop/models.py"}, id="call_1"),
            "The change belongs in shop/models.py.",
        ],
        native_tools=True,
    )
    run = await run_agent(backend, tools, system="sys", task="task")
    assert run.stop == "answer"
    assert run.text == "The change belongs in shop/models.py."
    first, second = backend.requests
    assert {spec.name for spec in first.tools} == set(tools.names)
    assistant, tool = second.messages[-2:]
    assert assistant.tool_calls[0].id == "call_1"
    assert tool.role == "tool" and tool.tool_call_id == "call_1"
    assert "class Order" in tool.content


async def test_traversal_and_links_out_come_back_as_errors(shop_repo: Path) -> None:
    (shop_repo / "etc").symlink_to("/etc")
    tools = RepoTools(take_snapshot(shop_repo))
    backend = ScriptedBackend(
        [
            '<tool name="read_file">{"path": "../../etc/passwd"}</tool>'
            '<tool name="read_file">{"path": "/etc/passwd"}</tool>'
            '<tool name="read_file">{"path": "etc/passwd"}</tool>',
            "<answer>- shop/cli.py</answer>",
        ]
    )
    run = await run_agent(backend, tools, system="s", task="t")
    outputs = run.steps[0].outputs
    assert [o.ok for o in outputs] == [False, False, False]
    assert all(o.text.startswith("error: refused") for o in outputs)
    sent = backend.requests[1].messages[-1].content
    assert "root:" not in sent


async def test_malformed_calls_are_reported_and_the_loop_goes_on(tools: RepoTools) -> None:
    backend = ScriptedBackend(
        [
            '<tool name="read_file">{"path": "shop/cli.py"</tool>',  # broken JSON
            '<tool name="rm">{"path": "x"}</tool>',
            "I am not sure what to do.",
            "<answer>shop/cli.py</answer>",
        ]
    )
    run = await run_agent(backend, tools, system="s", task="t")
    assert run.stop == "answer" and run.text == "shop/cli.py"
    assert "not a JSON object" in run.steps[0].outputs[0].text
    assert "no tool named 'rm'" in run.steps[1].outputs[0].text
    assert "Call a tool" in backend.requests[3].messages[-1].content


async def test_a_bare_file_list_is_the_answer_and_bare_prose_is_nudged(tools: RepoTools) -> None:
    # Seen on Qwen2.5-Coder-1.5B: the file list without <answer> tags, then, nudged for
    # the tags, "<answer>Done</answer>", which named nothing.
    backend = ScriptedBackend(
        [
            "I should think about where exports live.",
            "- shop/cli.py: add the flag\n- shop/export.py: write JSON",
            "<answer>Done</answer>",
        ]
    )
    answer = await answer_request(
        backend, tools, "Add a --json flag", budget=AgentBudget(max_steps=4)
    )
    assert answer.files == ("shop/cli.py", "shop/export.py")
    assert answer.run.stop == "answer" and len(answer.run.steps) == 2
    assert "Call a tool" in backend.requests[1].messages[-1].content  # prose was nudged
    # The generic loop (the sleep agent's) still asks for the tags.
    plain = ScriptedBackend(["- shop/cli.py", "<answer>map</answer>"])
    run = await run_agent(plain, tools, system="s", task="t")
    assert run.text == "map" and len(run.steps) == 2


async def test_min_tool_steps_make_the_agent_look_before_it_answers(tools: RepoTools) -> None:
    backend = ScriptedBackend(
        [
            "<answer>early map</answer>",
            '<tool name="read_file">{"path": "shop/models.py"}</tool>',
            "<answer>still early</answer>",
            '<tool name="list_files">{}</tool>',
            "<answer>map after reading</answer>",
        ]
    )
    budget = AgentBudget(max_steps=8, min_tool_steps=2)
    run = await run_agent(backend, tools, system="s", task="t", budget=budget)
    assert run.text == "map after reading" and run.tool_calls == 2 and len(run.steps) == 5
    assert "at least 2 more tool call(s)" in backend.requests[1].messages[-1].content
    assert "at least 1 more tool call(s)" in backend.requests[3].messages[-1].content
    # A model that repeats the answer it was sent back with will not explore: the repeat
    # is taken instead of nudging it again for the rest of the budget.
    repeating = ScriptedBackend(["<answer>same map</answer>"] * 2 + ["<answer>never</answer>"])
    run = await run_agent(
        repeating, tools, system="s", task="t", budget=AgentBudget(max_steps=8, min_tool_steps=3)
    )
    assert run.text == "same map" and run.stop == "answer" and len(run.steps) == 2
    # The last step answers whatever was explored.
    stubborn = ScriptedBackend(["<answer>a</answer>", "<answer>b</answer>"])
    budget = AgentBudget(max_steps=2, min_tool_steps=1)
    run = await run_agent(stubborn, tools, system="s", task="t", budget=budget)
    assert run.text == "b" and run.stop == "answer"
    with pytest.raises(InputError, match="min_tool_steps"):
        AgentBudget(min_tool_steps=-1)


async def test_the_step_budget_forces_an_answer(tools: RepoTools) -> None:
    seen: list[ChatRequest] = []

    def explore_forever(request: ChatRequest) -> str:
        seen.append(request)
        if request.messages[-1].content.startswith("You have no tool calls left"):
            return "shop/models.py probably"
        return '<tool name="list_files">{}</tool>'

    backend = FunctionBackend(explore_forever, native_tools=False)
    run = await run_agent(backend, tools, system="s", task="t", budget=AgentBudget(max_steps=3))
    assert len(run.steps) == 3
    assert run.tool_calls == 2
    assert run.stop == "answer"
    assert run.text == "shop/models.py probably"


async def test_the_token_budget_stops_the_run(tools: RepoTools) -> None:
    def costly(request: ChatRequest) -> ChatResult:
        return ChatResult(
            text='<tool name="list_files">{}</tool>',
            usage=Usage(prompt_tokens=600, completion_tokens=10, calls=1),
        )

    backend = FunctionBackend(costly)
    budget = AgentBudget(max_steps=20, max_tokens=1000)
    run = await run_agent(backend, tools, system="s", task="t", budget=budget)
    assert run.stop == "tokens"
    assert len(backend.requests) == 2  # 610 tokens, then 1220: no third call
    assert run.usage.total_tokens == 1220


async def test_nearing_the_token_budget_forces_an_answer(tools: RepoTools) -> None:
    def costly(request: ChatRequest) -> ChatResult:
        final = request.messages[-1].content.startswith("You have no tool calls left")
        return ChatResult(
            text="<answer>shop/cli.py</answer>" if final else '<tool name="list_files">{}</tool>',
            usage=Usage(prompt_tokens=440, completion_tokens=10, calls=1),
        )

    backend = FunctionBackend(costly)
    budget = AgentBudget(max_steps=20, max_tokens=1000)
    run = await run_agent(backend, tools, system="s", task="t", budget=budget)
    assert len(backend.requests) == 3  # 450, 900 (past 80 %), then the final step
    assert not backend.requests[2].tools
    assert (run.stop, run.text) == ("answer", "shop/cli.py")


async def test_too_many_calls_in_one_reply_are_refused(tools: RepoTools) -> None:
    many = "".join('<tool name="list_files">{}</tool>' for _ in range(5))
    backend = ScriptedBackend([many, "<answer>none</answer>"])
    run = await run_agent(
        backend, tools, system="s", task="t", budget=AgentBudget(calls_per_step=2)
    )
    assert [o.ok for o in run.steps[0].outputs] == [True, True, False, False, False]


async def test_old_tool_results_are_dropped_when_history_grows(tools: RepoTools) -> None:
    replies = ['<tool name="read_file">{"path": "shop/models.py"}</tool>'] * 4 + [
        "<answer>x</answer>"
    ]
    backend = ScriptedBackend(replies)
    await run_agent(backend, tools, system="s", task="t", budget=AgentBudget(history_chars=600))
    last = backend.requests[-1].messages
    assert any("dropped to save room" in m.content for m in last)
    assert "class Order" in last[-1].content  # the newest result is kept


async def test_backend_errors_propagate(tools: RepoTools) -> None:
    backend = ScriptedBackend([BackendError("model gone")])
    with pytest.raises(BackendError, match="model gone"):
        await run_agent(backend, tools, system="s", task="t")


def test_budget_must_be_positive() -> None:
    with pytest.raises(InputError):
        AgentBudget(max_steps=0)


async def test_sleep_agent_writes_capped_notes(tools: RepoTools) -> None:
    notes = "shop/cli.py holds the commands. " * 50
    backend = ScriptedBackend(['<tool name="list_files">{}</tool>', f"<answer>{notes}</answer>"])
    result = await sleep_on_repository(backend, tools, max_chars=300)
    assert result.clipped and len(result.text) <= 300
    assert result.run.prompt_keys[:2] == ("repo_sleep_system@v1", "repo_sleep_task@v1")
    assert "shop/cli.py" in backend.requests[0].messages[1].content  # the overview


async def test_answer_with_notes_puts_them_in_the_task(tools: RepoTools) -> None:
    backend = ScriptedBackend(["<answer>1. shop/cli.py - flag\n2. export.py - writer</answer>"])
    answer = await answer_request(
        backend, tools, "Add JSON", notes="MAP: exports in shop/export.py"
    )
    assert answer.files == ("shop/cli.py", "shop/export.py")
    assert "MAP: exports" in backend.requests[0].messages[1].content
    assert len(answer.run.steps) == 1


async def test_notes_can_stand_in_for_the_overview_path_list(tools: RepoTools) -> None:
    """With notes and ``overview_paths=0`` the task keeps counts and folders, not paths;
    without notes the full overview is shown whatever ``overview_paths`` says."""
    reply = "<answer>- shop/cli.py: flag</answer>"
    brief = ScriptedBackend([reply])
    await answer_request(brief, tools, "Add JSON", notes="MAP: cli", overview_paths=0)
    task = brief.requests[0].messages[1].content
    assert "files," in task and "Top-level folders: shop/" in task
    assert "shop/export.py" not in task and "list_files shows the rest" in task
    full = ScriptedBackend([reply])
    await answer_request(full, tools, "Add JSON", notes="MAP: cli")
    assert "shop/export.py" in full.requests[0].messages[1].content
    blind = ScriptedBackend([reply])
    await answer_request(blind, tools, "Add JSON", overview_paths=0)
    assert "shop/export.py" in blind.requests[0].messages[1].content


def test_extract_files_from_prose_and_lists() -> None:
    known = ("llm/cli.py", "llm/models.py", "docs/usage.md", "tests/test_cli.py", "a/cli.py")
    prose = "Change ./llm/models.py and docs\\usage.md, then `tests/test_cli.py`."
    assert extract_files(prose, known) == (
        ("llm/models.py", "docs/usage.md", "tests/test_cli.py"),
        (),
    )
    assert extract_files("- cli.py: ambiguous", known) == ((), ("cli.py",))
    listed = "Files:\n* **llm/cli.py** — add option, see llm/models.py\n* models.py"
    assert extract_files(listed, known) == (("llm/cli.py", "llm/models.py"), ())
    assert extract_files("no files here", known) == ((), ())
