"""Reading context text: files, stdin, and the errors that say how to fix the input."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers.cli_process import child_env, peak_rss_argv
from sleeptime.app import decode_context, read_context
from sleeptime.app.inputs import MAX_CONTEXT_BYTES, read_bounded
from sleeptime.errors import InputError


def test_utf8_text() -> None:
    assert decode_context("Café ☕ 9–17\n".encode(), "x.txt") == "Café ☕ 9–17\n"


def test_bom_is_stripped() -> None:
    assert decode_context(b"\xef\xbb\xbfhello", "x.txt") == "hello"


def test_non_utf8_mentions_iconv_and_the_offending_byte() -> None:
    with pytest.raises(InputError) as info:
        decode_context("caf\u00e9".encode("latin-1"), "menu.txt")
    message = str(info.value)
    assert "not UTF-8" in message
    assert "0xe9 at offset 3" in message
    assert "iconv -f latin1 -t utf-8 menu.txt" in message


def test_utf16_is_refused() -> None:
    with pytest.raises(InputError, match="iconv"):
        decode_context("hello".encode("utf-16"), "x.txt")


def test_nul_bytes() -> None:
    with pytest.raises(InputError, match="NUL"):
        decode_context(b"abc\x00def", "blob.bin")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"])
def test_empty_or_whitespace(data: bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        decode_context(data, "x.txt")


def test_huge_input_is_refused_before_decoding() -> None:
    data = b"\xff" * (MAX_CONTEXT_BYTES + 1)  # not UTF-8 either: the size check must come first
    with pytest.raises(InputError) as info:
        decode_context(data, "big.txt")
    assert "50 MiB" in str(info.value)
    assert "split it" in str(info.value)


def test_exactly_the_limit_is_accepted() -> None:
    assert len(decode_context(b"a" * MAX_CONTEXT_BYTES, "x.txt")) == MAX_CONTEXT_BYTES


def test_read_file(tmp_path: Path) -> None:
    path = tmp_path / "ctx.txt"
    path.write_bytes(b"\xef\xbb\xbfThe office opens at 9.\n")
    assert read_context(str(path)) == "The office opens at 9.\n"


def test_read_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file.*- for stdin"):
        read_context(str(tmp_path / "missing.txt"))


def test_read_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_context(str(tmp_path))


def test_read_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.txt is empty"):
        read_context(str(path))


def test_read_non_utf8_file_names_it(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("naïve".encode("latin-1"))
    with pytest.raises(InputError, match=re.escape(f"iconv -f latin1 -t utf-8 {path}")):
        read_context(str(path))


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"from a pipe\n"))
    assert read_context("-") == "from a pipe\n"


def test_read_empty_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b""))
    with pytest.raises(InputError, match="standard input is empty"):
        read_context("-")


def test_read_huge_file_reads_no_more_than_needed(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_CONTEXT_BYTES + 10)  # sparse: no disk space, no write time
    with pytest.raises(InputError, match="over the 50 MiB limit"):
        read_context(str(path))


class _Endless(io.RawIOBase):
    """A stream that never ends (like /dev/zero), counting what it handed out."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        view[:] = b"a" * len(view)
        self.served += len(view)
        return len(view)


def test_an_endless_stream_is_read_in_bounded_chunks_then_refused() -> None:
    endless = _Endless()
    with pytest.raises(InputError) as info:
        read_bounded(endless, "standard input")  # type: ignore[arg-type]
    assert str(info.value) == (
        "standard input holds more than 50 MiB, over the 50 MiB limit for one context; "
        "split it into several contexts"
    )
    assert endless.served <= MAX_CONTEXT_BYTES + 1


def test_a_huge_file_is_reported_with_its_real_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(200 * 2**20)  # sparse
    with pytest.raises(InputError, match=r"huge\.txt is 200\.0 MiB, over the 50 MiB limit"):
        read_context(str(path))


def test_a_pipe_larger_than_the_limit_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """The installed command, fed 400 MiB from a generator process, stops near 50 MiB."""
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITE_400_MIB],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert writer.stdout is not None
    report = tmp_path / "peak-rss"
    child = subprocess.run(
        peak_rss_argv(report, "context", "add", "big", "-"),
        stdin=writer.stdout,
        capture_output=True,
        text=True,
        env=child_env(tmp_path / "data"),
        timeout=120,
    )
    writer.stdout.close()
    writer.wait(timeout=60)
    peak_mib = int(report.read_text()) // 1024
    assert peak_mib < 200, f"peak memory {peak_mib} MiB"
    assert writer.returncode != 0  # it hit a closed pipe: the rest was never read
    assert child.returncode == 2, child.stderr
    assert "standard input holds more than 50 MiB, over the 50 MiB limit" in child.stderr
    assert "Traceback" not in child.stderr


_WRITE_400_MIB = (
    "import sys\n"
    "block = b'a' * (1 << 20)\n"
    "for _ in range(400):\n"
    "    sys.stdout.buffer.write(block)\n"
)
