"""Answer a feature request with the files to change, from notes or from scratch.

With notes from sleep time the agent can name files after a step or two; without them it
explores. The answer is free text from a model, so the file list is read out of it
leniently and checked against the snapshot: exact paths, then unique path suffixes
(``cli.py`` for ``llm/cli.py``); what matches nothing is kept apart as unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sleeptime.backends.base import Backend, PrefixWarmer
from sleeptime.prompts import load_prompt
from sleeptime.repo.agent import AgentBudget, AgentResult, agent_system, run_agent
from sleeptime.repo.lookup import (
    LOOKUP_FILES,
    LOOKUP_STYLE,
    LOOKUP_VERSION,
    LookupStyle,
    LookupTable,
    lookup_key,
    render_lookup,
    render_lookup_answer,
)
from sleeptime.repo.overview import OVERVIEW_PATHS, overview
from sleeptime.repo.tools import RepoTools

NO_NOTES = "There are no notes about this repository; explore it with the tools."

_PATHLIKE = re.compile(
    r"[A-Za-z0-9_.\-/\\]*[A-Za-z0-9_\-]\.[A-Za-z0-9]{1,8}\b|[\w.\-]+(?:/[\w.\-]+)+"
)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class RepoAnswer:
    """The files named (known to the snapshot), names that match no file, and the run."""

    files: tuple[str, ...]
    unknown: tuple[str, ...]
    run: AgentResult
    looked_up: tuple[str, ...] = ()
    """Files the word lookup listed after the request (``lookup.py``), best first."""


def _clean(token: str) -> str:
    token = token.strip().strip("`'\"*()[]<>,;:").replace("\\", "/")
    token = token.removeprefix("./")
    for prefix in ("a/", "b/"):  # diff headers
        if token.startswith(prefix) and "/" in token[2:]:
            token = token[2:]
    return token.rstrip(".")


def _resolve(token: str, known: tuple[str, ...], known_set: frozenset[str]) -> str | None:
    if token in known_set:
        return token
    matches = [p for p in known if p.endswith("/" + token)]
    return matches[0] if len(matches) == 1 else None


def extract_files(text: str, known: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (known files, unknown path-like names) named in ``text``, in order, no repeats.

    When the answer is a list, only the first path of each item counts: the rest of the
    line is the reason, and a reason that mentions another file does not name it for change.
    """
    known_set = frozenset(known)
    lines = text.splitlines()
    items = [line for line in lines if _LIST_ITEM.match(line) and _PATHLIKE.search(line)]
    tokens: list[str] = []
    if items:
        for line in items:
            match = _PATHLIKE.search(_LIST_ITEM.sub("", line, count=1))
            if match:
                tokens.append(match.group(0))
    else:
        tokens = [m.group(0) for m in _PATHLIKE.finditer(text)]
    files: list[str] = []
    unknown: list[str] = []
    for raw in tokens:
        token = _clean(raw)
        if not token or token.startswith(("http:", "https:")):
            continue
        resolved = _resolve(token, known, known_set)
        if resolved is not None:
            if resolved not in files:
                files.append(resolved)
        elif token not in unknown:
            unknown.append(token)
    return tuple(files), tuple(unknown)


def _task_parts(
    tools: RepoTools, notes: str | None, overview_paths: int
) -> tuple[str, str, str, tuple[str, ...]]:
    """The system prompt (before the tool protocol), the task around the request, keys.

    Everything before the request is the same for every request on these notes and this
    snapshot; the request comes last so that a saved KV state (or a server's prefix
    cache) of that start serves them all.
    """
    system = load_prompt("repo_answer_system")
    task = load_prompt("repo_answer_task")
    notes_text = f"Notes written earlier about this repository:\n{notes}" if notes else NO_NOTES
    shown_paths = overview_paths if notes else OVERVIEW_PATHS
    rendered = task.render(
        notes=notes_text, overview=overview(tools.snapshot, shown_paths), request=_REQUEST_MARK
    )
    head, _, tail = rendered.rpartition(_REQUEST_MARK)  # the request is the last slot
    return system.render(), head, tail, (system.key, task.key)


_REQUEST_MARK = "\x00request\x00"


async def warm_agent_prefix(
    backend: Backend,
    tools: RepoTools,
    *,
    notes: str | None,
    overview_paths: int = OVERVIEW_PATHS,
    label: str = "",
    tenant: str = "",
    background: bool = True,
) -> int:
    """Save the KV state of the answer prompt's fixed start; tokens kept (0: not embedded).

    Why: on the embedded backend each ``ask --agent`` runs in a new process and would
    prefill the whole notes and overview again. With the state saved (after sleep, or by
    the first request on the same notes), later requests restore it and prefill only the
    request. Without notes this is cache-augmented generation of the raw overview, the
    peer that sleep has to beat. An existing state is only claimed, not recomputed.
    ``background=False`` when a request waits on it, so it does not queue behind sleep.
    """
    if not isinstance(backend, PrefixWarmer):
        return 0
    system, head, _, _ = _task_parts(tools, notes, overview_paths)
    full, _ = agent_system(system, tools, native=backend.info.native_tools)
    return await backend.warm_prefix(full, head, label=label, tenant=tenant, background=background)


async def answer_request(
    backend: Backend,
    tools: RepoTools,
    request: str,
    *,
    notes: str | None = None,
    budget: AgentBudget | None = None,
    overview_paths: int = OVERVIEW_PATHS,
    lookup: LookupTable | None = None,
    lookup_files: int = LOOKUP_FILES,
    lookup_style: LookupStyle = LOOKUP_STYLE,
) -> RepoAnswer:
    """Ask the agent which files ``request`` needs changed; ``budget.max_steps`` is ``b``.

    ``overview_paths`` caps the paths the overview lists when there are notes (0: the
    brief overview, counts and folders only); without notes the full overview is shown,
    since an agent with nothing else to go on would spend its first step listing files.
    With ``lookup`` (sleep's table, ``lookup.py``) up to ``lookup_files`` files whose
    entries share words with the request are listed after it (``lookup_style``: with
    what each file says about itself, or paths alone), where they cost the saved prefix
    nothing.
    """
    system, head, tail, keys = _task_parts(tools, notes, overview_paths)
    found = lookup.rank(request, lookup_files, tools.snapshot.paths) if lookup else []
    hint = render_lookup(found, lookup_style)
    if hint:
        tail = f"{tail}\n\n{hint}"
        keys = (*keys, lookup_key(lookup_style))
    run = await run_agent(
        backend,
        tools,
        system=system,
        task=head + request.strip() + tail,
        budget=budget,
        prompt_keys=keys,
        is_answer=lambda text: bool(extract_files(text, tools.snapshot.paths)[0]),
    )
    files, unknown = extract_files(run.text, tools.snapshot.paths)
    return RepoAnswer(files=files, unknown=unknown, run=run, looked_up=tuple(f.path for f in found))


LOOKUP_ANSWER_KEY = f"lookup-answer+{LOOKUP_VERSION}"
"""What a query answered at a step budget of 0 records as its prompt version."""


def answer_from_lookup(
    tools: RepoTools, request: str, lookup: LookupTable, lookup_files: int = LOOKUP_FILES
) -> RepoAnswer:
    """The answer at a step budget of 0: sleep's word lookup alone, no model call.

    Why offer it: over six runs of the 1.5B model (144 tasks, two repositories,
    ``bench/results/repo-qwen1.5b-latency-kv-b8-lookup*/``) the looked-up files alone
    scored higher than test-time only at 8 steps on 104 tasks and lower on 23, and as
    high as the model's own answers with the list, in milliseconds instead of seconds. A
    budget of 0 is the far end of the paper's test-time axis, where only what sleep
    prepared answers. It never reads a file or the history at ask time.
    """
    found = lookup.rank(request, lookup_files, tools.snapshot.paths)
    text = render_lookup_answer(found, request)
    paths = tuple(f.path for f in found)
    run = AgentResult(text=text, stop="lookup", prompt_keys=(LOOKUP_ANSWER_KEY,))
    return RepoAnswer(files=paths, unknown=(), run=run, looked_up=paths)
