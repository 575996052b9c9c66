"""Find the data root and read jsonl files with errors that say what was expected and where."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sleeptime.errors import ConfigError, InputError

DATA_ROOT_ENV = "SLEEPTIME_DATA_ROOT"


def default_data_root() -> Path:
    """Return the benchmark data folder: ``$SLEEPTIME_DATA_ROOT``, else ``../shared/data``.

    The relative default is resolved against the current directory, so it works from a
    checkout that sits next to ``shared/``.
    """
    configured = os.environ.get(DATA_ROOT_ENV)
    if configured:
        root = Path(configured).expanduser()
        if not root.is_dir():
            raise ConfigError(
                f"{DATA_ROOT_ENV}={configured!r} is not a folder; point it at the folder that "
                "holds gsm-symbolic/, aime/ and gsm8k/, or unset it."
            )
        return root
    fallback = Path.cwd() / ".." / "shared" / "data"
    if fallback.is_dir():
        return fallback.resolve()
    raise ConfigError(
        f"No benchmark data folder found: set {DATA_ROOT_ENV} to the folder that holds "
        f"gsm-symbolic/, aime/ and gsm8k/, or pass a file path (looked for {fallback})."
    )


def check_limit(limit: int | None) -> None:
    """Reject a negative limit early, before any file is read."""
    if limit is not None and limit < 0:
        raise InputError(f"limit must be 0 or more, got {limit}.")


def read_jsonl(path: Path, what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, record)`` for each non-blank line of a jsonl file of objects.

    ``what`` names the expected content ("GSM-Symbolic jsonl") for error messages.
    """
    if not path.is_file():
        raise InputError(f"Expected a {what} file at {path}, but there is no such file.")
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise InputError(
                        f"{path}:{number}: expected one JSON object per line ({what}), "
                        f"but it does not parse: {error.msg}."
                    ) from error
                if not isinstance(record, dict):
                    raise InputError(
                        f"{path}:{number}: expected a JSON object per line ({what}), "
                        f"got {type(record).__name__}."
                    )
                yield number, record
    except UnicodeDecodeError as error:
        raise InputError(f"{path} is not UTF-8 text; expected a {what} file.") from error


def field_text(record: dict[str, Any], key: str, path: Path, number: int, what: str) -> str:
    """Return ``record[key]`` as text, or raise an error naming the file, line and key."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        keys = ", ".join(sorted(record)) or "none"
        raise InputError(
            f"{path}:{number}: expected a {what} record with a text field {key!r} "
            f"(keys found: {keys})."
        )
    return str(value)


def final_after_hashes(answer: str, path: Path, number: int) -> str:
    """Return the reference number after the last "####" of a GSM-style answer, commas removed."""
    if "####" not in answer:
        raise InputError(
            f"{path}:{number}: expected the final answer after '####' in the 'answer' field."
        )
    final = answer.rsplit("####", 1)[1].strip().replace(",", "")
    if not final:
        raise InputError(f"{path}:{number}: nothing follows '####' in the 'answer' field.")
    return final
