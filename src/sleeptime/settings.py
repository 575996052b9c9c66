"""Settings from the environment (prefix ``SLEEPTIME_``), with one-line docs per field.

Everything that changes an output (backend, model, budgets) is copied into the record
of the run or query that it produced, so results stay explainable after settings change.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Return the per-user data directory used when ``SLEEPTIME_DATA_DIR`` is unset."""
    return Path(platformdirs.user_data_dir("sleeptime", appauthor=False))


class Settings(BaseSettings):
    """Process-wide defaults; command-line flags override them per call."""

    model_config = SettingsConfigDict(env_prefix="SLEEPTIME_", extra="ignore")

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

    openai_batch: bool = False
    """Send sleep-time calls through the provider's batch API (cheaper, slower)."""

    openai_batch_window_s: float = 2.0
    """Seconds to collect concurrent sleep calls into one batch before submitting it."""

    openai_batch_poll_s: float = 10.0
    """First wait between batch status checks; it grows 1.5x per check up to 5 minutes."""

    openai_batch_max_wait_s: float = 86400.0
    """Give up on a batch (and fail the sleep run) after this many seconds."""

    request_timeout_s: float = 120.0
    """Seconds before one backend request counts as failed and is retried."""

    max_retries: int = 3
    """Retries after the first attempt for transient backend failures (with backoff)."""

    n_ctx: int = 8192
    """Context window for the embedded model, in tokens."""

    n_threads: int | None = None
    """CPU threads for the embedded model; None uses all cores."""

    kv_cache_mb: int = 2048
    """Disk budget for saved KV states of notes (embedded backend); 0 disables them."""

    seed: int = 0
    """Sampling seed, so embedded runs are repeatable."""

    @property
    def kv_cache_dir(self) -> Path:
        """Where the embedded backend keeps saved KV states of notes."""
        return self.data_dir / "kv"

    def resolved_database_url(self) -> str:
        """Return the configured URL, or a SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'sleeptime.db'}"
