"""The model-file hash is remembered so a start-up does not re-read an unchanged file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from sleeptime.backends.llama import _file_sha256


def test_hash_is_cached_and_refreshed_when_the_file_changes(tmp_path: Path) -> None:
    model, cache = tmp_path / "m.gguf", tmp_path / "hashes.json"
    model.write_bytes(b"weights v1")
    first = _file_sha256(model, cache)
    assert first == hashlib.sha256(b"weights v1").hexdigest()
    # A remembered entry is trusted while size and mtime match (proved by faking it).
    entry = json.loads(cache.read_text())[str(model)]
    cache.write_text(json.dumps({str(model): [*entry[:2], "remembered"]}))
    assert _file_sha256(model, cache) == "remembered"
    model.write_bytes(b"weights v2 longer")
    os.utime(model, ns=(1, 1))
    assert _file_sha256(model, cache) == hashlib.sha256(b"weights v2 longer").hexdigest()


def test_without_a_cache_file_or_with_a_broken_one(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"abc")
    expected = hashlib.sha256(b"abc").hexdigest()
    assert _file_sha256(model, None) == expected
    broken = tmp_path / "hashes.json"
    broken.write_text("{not json")
    assert _file_sha256(model, broken) == expected
