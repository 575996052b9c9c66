"""Settings from the environment (prefix ``SLEEPTIME_``), with one-line docs per field.

Everything that changes an output (backend, model, budgets) is copied into the record
of the run or query that it produced, so results stay explainable after settings change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sleeptime.errors import ConfigError, InputError
from sleeptime.names import check_name

ENV_PREFIX = "SLEEPTIME_"


def default_data_dir() -> Path:
    """Return the per-user data directory used when ``SLEEPTIME_DATA_DIR`` is unset."""
    return Path(platformdirs.user_data_dir("sleeptime", appauthor=False))


class Settings(BaseSettings):
    """Process-wide defaults; command-line flags override them per call."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    def __init__(self, **values: Any) -> None:
        """Read the environment; a bad value is one ``ConfigError`` line, not a traceback."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(settings_error_message(exc)) from None

    data_dir: Path = Field(default_factory=default_data_dir)
    """Directory for the default SQLite database and cached files."""

    database_url: str | None = None
    """SQLAlchemy URL (sqlite:///... or postgresql+psycopg://...); default: a file in data_dir."""

    tenant: str = "default"
    """Namespace for context names, so several users can share one database."""

    backend: str = "llama"
    """Default backend name: llama (embedded), openai (compatible HTTP), scripted."""

    model: str | None = None
    """Model: a GGUF path for llama, a model id for openai; None means the backend default."""

    openai_base_url: str | None = None
    """Base URL of an OpenAI-compatible server; falls back to OPENAI_BASE_URL."""

    openai_api_key: str | None = None
    """API key for the OpenAI-compatible server; falls back to OPENAI_API_KEY."""

    openai_native_tools: bool = True
    """Send sleep tools as native tool calls; set false for servers that ignore tools."""

    openai_reasoning: Literal["auto", "openai", "deepseek", "claude", "none"] = "auto"
    """Reasoning dialect: auto (by model id), openai (o-series), deepseek, claude, none."""

    openai_batch: bool = False
    """Send sleep-time calls through the provider's batch API (cheaper, slower)."""

    openai_batch_window_s: float = Field(default=2.0, ge=0)
    """Seconds to collect concurrent sleep calls into one batch before submitting it."""

    openai_batch_poll_s: float = Field(default=10.0, gt=0)
    """First wait between batch status checks; it grows 1.5x per check up to 5 minutes."""

    openai_batch_max_wait_s: float = Field(default=86400.0, gt=0)
    """Give up on a batch (and fail the sleep run) after this many seconds."""

    request_timeout_s: float = Field(default=120.0, gt=0)
    """Seconds without progress (no new token, no reply) before an attempt fails and is retried."""

    first_token_timeout_s: float | None = Field(default=None, gt=0)
    """Seconds to wait for the first token of a reply; None means ``request_timeout_s``."""

    request_deadline_s: float = Field(default=1200.0, gt=0)
    """Seconds one backend request may take in all, retries included, before it fails."""

    max_retries: int = Field(default=3, ge=0, le=100)
    """Retries after the first attempt for transient backend failures (with backoff)."""

    n_ctx: int = Field(default=8192, ge=256, le=1_048_576)
    """Context window for the embedded model, in tokens."""

    n_threads: int | None = Field(default=None, ge=1, le=1024)
    """CPU threads for the embedded model; None uses all cores."""

    kv_cache_mb: int = Field(default=2048, ge=0)
    """Disk budget for saved KV states of notes (embedded backend); 0 disables them."""

    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    """Sampling seed, so embedded runs are repeatable."""

    anticipate_accept: bool = False
    """Let the model (a yes/no call) serve an anticipated answer the rules refused when the
    numbers, units, tense, names and other hard slots agree (``ask --accept-anticipated``)."""

    anticipate_answer_check: bool = False
    """With ``anticipate_accept``: also put to the yes/no the stored questions the
    content-word filters refuse, when the model's own short answer from the context agrees
    with the stored one (``anticipate/agree.py``). Off: measured blind on fresh11 it raised
    recall from 28 % (rules) to 41 % but served 3 of 200 near-misses
    (bench/results/anticipated_answer_check_NOTE.md)."""

    anticipate_rephrase: bool = False
    """Sleep runs have the model write checked rewordings of each verified anticipated
    question, which the rules then also match (``sleep --rephrase-anticipated``)."""

    heartbeat_s: float = Field(default=15.0, gt=0)
    """Seconds between heartbeats of a running sleep run (how a crashed run is noticed)."""

    stale_run_s: float = Field(default=300.0, gt=0)
    """A running sleep run with no heartbeat for this long is marked abandoned."""

    auto_sleep: bool = True
    """A worker queues sleep on every context whose current revision has no notes yet."""

    sleep_quiet_s: float = Field(default=20.0, ge=0, le=86400)
    """Quiet period: a revision is slept on only once it has been current this long, so a
    burst of updates costs one run (on the last revision)."""

    sleep_recipe: str = "rethink"
    """Recipe of background sleep runs (see ``sleeptime sleep --help``)."""

    repo_sleep_map: bool = False
    """Directory contexts: True has a sleep run's model write its map before the index
    (``sleep --map``). False, the default, writes the model-free index alone, with no model
    call (recipe ``repo-index``). The default since
    bench/results/repo-qwen1.5b-latency-kv-b8-map-ov2/ (rule written before the run): at
    ``ask --agent``'s default budget 8 the 1.5B model's map plus the index scored lower
    than the index alone on 8 tasks and higher on 1 (F1 0.373 against 0.496, p = 0.039)
    with 1.6x the test-time tokens; at budgets 1 and 2 the index alone scored as high
    (bench/results/repo-qwen1.5b-compact-1200/). The map helped only the embedded
    SmolLM2, which barely does the task (bench/results/repo-default-decision/)."""

    repo_index_chars: int = Field(default=1200, ge=0, le=200_000)
    """Directory contexts: characters of the model-free repository index in c', after the
    agent's map when there is one (0: off, with the map only; ``sleep --index-chars``
    overrides it per run). On since the simonw/llm run (bench/results/repo-qwen1.5b-index/:
    with 3,000 characters the 1.5B model's F1 rose from 0.21/0.28, map only, to 0.36/0.40
    at step budgets 1/2, against 0.12/0.21 for test-time only); 1,200 with the brief
    overview since bench/results/repo-qwen1.5b-compact-1200/ (0.37/0.42 at 620-780 fewer
    tokens a request)."""

    repo_lookup_files: int = Field(default=5, ge=0, le=50)
    """Directory contexts, ``ask --agent`` with notes: files listed after the request whose
    index entries share words with it (``repo/lookup.py``; the terms are prepared at sleep
    time and stored with the artifact), 0: none. On since bench/results/
    repo-qwen1.5b-latency-kv-b8-lookup/ (rule written before the runs): at budget 8 the
    1.5B model's F1 rose from 0.383 / 0.115 with the index alone to 0.511 / 0.380 with the
    list (simonw/llm / this project; test-time only 0.305 / 0.137), 33 tasks higher and 8
    lower of 48, and again on 48 new tasks (lookup2/: 27 higher, 8 lower). It costs
    answer time: the list is prefilled on each request and answers name more files, so
    answers were slower than test-time only's (median ratio 0.63-0.74)."""

    repo_agent_budget: Literal["auto"] | int = "auto"
    """Directory contexts: the step budget of ``ask --agent`` when ``--budget`` is not given.
    ``auto``: in sleep mode, the files sleep's word lookup ranks highest, with no model call
    (``--budget 0``), when it finds a file sharing a word with the request; otherwise the
    agent at 8 steps (always 8 in baseline mode). A number from 1 to 100: the agent at that
    many steps, with the lookup's list after the request. ``auto`` since the six lookup
    runs (bench/results/repo-qwen1.5b-latency-kv-b8-lookup*/, 144 tasks): the list alone
    scored F1 above test-time only at 8 steps on 104 tasks and below on 23, and about as
    high as the 1.5B model's answer with the list (44 tasks higher, 31 lower) in
    milliseconds instead of 5-900 s. Confirmed on 48 tasks no run had drawn, by rules
    written before the run (lookup4/): F1 0.477 / 0.359 against test-time only's 0.243 /
    0.091 (36 tasks higher, 8 lower), faster on all 48 with no generated tokens. A
    stronger model than those measured may read the files better than the list names
    them: set 8 then."""

    repo_lookup_style: Literal["about", "paths"] = "paths"
    """How ``ask --agent`` lists the looked-up files: the paths alone under a short head
    (``paths``), or each with its docstring line or names (``about``). ``paths`` since
    bench/results/repo-qwen1.5b-latency-kv-b8-lookup2/ (rule written before the run): as
    high an F1 on 48 new tasks (0.434 against 0.451, 11 tasks higher, 13 lower), about 100
    fewer tokens to prefill on each request, faster on 34 of the 48."""

    repo_notes_overview_paths: int = Field(default=0, ge=0, le=100_000)
    """Directory contexts, ``ask --agent`` with notes: paths of the overview's sample shown
    beside c' (0: counts and folders only, the notes standing in for the path list;
    baseline mode always gets 60). 0 as measured in bench/results/repo-qwen1.5b-compact-1200/.
    60 was the default briefly (bench/results/repo-overview-decision/, part 2: not lower
    at budgets 1 and 2), and reverted the same day: at ``ask --agent``'s default budget 8
    the first 27 tasks of bench/results/repo-qwen1.5b-latency-kv-b8-new-ov2-paths60/
    scored F1 0.278 with it against 0.407 without (6 higher, 12 lower) at 2.6x the
    test-time tokens (more on 26 of 27), the path list inviting the 1.5B model to
    explore."""

    worker_lease_s: float = Field(default=30.0, ge=2, le=86400)
    """A worker holds a run this long per heartbeat; a worker killed mid-run loses it after."""

    worker_poll_s: float = Field(default=1.0, gt=0, le=3600)
    """How often an idle worker looks for due work."""

    sleep_max_attempts: int = Field(default=3, ge=1, le=100)
    """Workers that may die on one background run before it is abandoned."""

    sleep_tokens_per_day: int | None = Field(default=None, ge=1)
    """Sleep tokens all tenants together may spend per UTC day (None: no limit)."""

    sleep_tokens_per_day_tenant: int | None = Field(default=None, ge=1)
    """Sleep tokens one tenant may spend per UTC day (None: no limit)."""

    sleep_tokens_per_day_context: int | None = Field(default=None, ge=1)
    """Sleep tokens one context may spend per UTC day (None: no limit)."""

    service_max_body_bytes: int = Field(default=8 << 20, ge=1024)
    """Largest request body the service reads (a context is sent in one body)."""

    service_rate_per_minute: int = Field(default=600, ge=0)
    """Requests per minute per API key (0: no limit)."""

    service_rate_scope: Literal["auto", "process", "database"] = "auto"
    """Where request rates are counted: in the database, shared by every service process
    on it (one write per request), or in each process (free, but N processes allow N
    times the rate). ``auto``: the database on PostgreSQL, where several service
    processes are the point; each process on SQLite, where one process is the norm."""

    service_burst: int = Field(default=60, ge=1)
    """Requests an API key may make at once before the per-minute rate applies."""

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_not_empty(cls, value: Any) -> Any:
        # Path("") is the current directory: an empty variable would scatter databases.
        if isinstance(value, str) and not value.strip():
            raise ValueError("give a directory path, or unset it for the per-user default")
        return value

    @field_validator("repo_index_chars")
    @classmethod
    def _map_or_index(cls, value: int, info: ValidationInfo) -> int:
        # Refused here, at start-up, not in the worker: there a run that can write nothing
        # would fail, be retried and fail again. (repo_sleep_map is declared first.)
        if value == 0 and not info.data.get("repo_sleep_map", False):
            raise ValueError(
                "a directory sleep without the map (SLEEPTIME_REPO_SLEEP_MAP, off by default) "
                "writes the repository index alone, and 0 turns the index off: give it "
                "characters (1200 is the default) or set SLEEPTIME_REPO_SLEEP_MAP=true"
            )
        return value

    @field_validator("repo_agent_budget", mode="before")
    @classmethod
    def _agent_budget(cls, value: Any) -> Any:
        # One message for every wrong value, not one per member of the union. 0 is not
        # offered: it cannot answer in baseline mode, and auto already answers from the
        # lookup wherever it can.
        text = value.strip().lower() if isinstance(value, str) else value
        if text == "auto":
            return text
        if isinstance(text, str) and text.isdigit():
            text = int(text)
        if isinstance(text, int) and not isinstance(text, bool) and 1 <= text <= 100:
            return text
        raise ValueError("give auto, or a step budget from 1 to 100 (8 runs the agent)")

    @field_validator("tenant")
    @classmethod
    def _tenant_is_a_name(cls, value: str) -> str:
        try:
            check_name(value, "tenant")
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def kv_cache_dir(self) -> Path:
        """Where the embedded backend keeps saved KV states of notes."""
        return self.data_dir / "kv"

    def resolved_database_url(self) -> str:
        """Return the configured URL, or a SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'sleeptime.db'}"


_ALLOWED = {
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false (1/0, yes/no, on/off also work)",
    "finite_number": "a finite number",
}


def _reason(error: Any, field: str) -> str:
    """Why the value was refused and what the field accepts, in words a user can act on."""
    ctx = error.get("ctx") or {}
    if error.get("type") == "value_error":
        return str(ctx.get("error") or error.get("msg", ""))
    bounds = [
        f"{word} {ctx[key]}"
        for key, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
        if key in ctx
    ]
    field_info = Settings.model_fields.get(field)
    whole = field_info is not None and "int" in str(field_info.annotation)
    if bounds:
        return f"give {'a whole number' if whole else 'a number'} {' and '.join(bounds)}"
    allowed = _ALLOWED.get(str(error.get("type")))
    return f"give {allowed}" if allowed else str(error.get("msg", "")).lower()


def settings_error_message(exc: ValidationError) -> str:
    """One line naming each bad variable, its value and what it accepts."""
    parts = []
    for error in exc.errors():
        field = str((error.get("loc") or ("?",))[0])
        name = f"{ENV_PREFIX}{field.upper()}"
        parts.append(f"{name}={error.get('input')!r} is not allowed: {_reason(error, field)}")
    return "; ".join(parts) + " (fix or unset the variable)"
