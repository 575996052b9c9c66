"""Reading context text from files or stdin, with errors that say how to fix the input.

Input is read in bounded chunks and refused as soon as it passes the limit, so an endless
pipe (``< /dev/zero``) costs at most one limit's worth of memory and ends with a message.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from sleeptime.errors import InputError

MAX_CONTEXT_BYTES = 50 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024


def _too_large(source: str, size: int | None) -> InputError:
    """The size error; ``size`` is None when only "more than the limit" is known (a pipe)."""
    limit = MAX_CONTEXT_BYTES // 2**20
    amount = f"is {size / 2**20:.1f} MiB" if size is not None else f"holds more than {limit} MiB"
    return InputError(
        f"{source} {amount}, over the {limit} MiB limit for one context; "
        "split it into several contexts"
    )


def decode_context(data: bytes, source: str) -> str:
    """Decode UTF-8 (a BOM is dropped); refuse binary or other encodings with a fix."""
    if len(data) > MAX_CONTEXT_BYTES:
        raise _too_large(source, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            f"convert it first, e.g. iconv -f latin1 -t utf-8 {source} > fixed.txt"
        ) from None
    if "\x00" in text:
        raise InputError(f"{source} contains NUL bytes; is it a binary file? Give plain text.")
    if not text.strip():
        raise InputError(f"{source} is empty; a context needs some text to think about")
    return text


def read_bounded(stream: BinaryIO, source: str, size: int | None = None) -> bytes:
    """Read ``stream`` in chunks; stop and refuse as soon as it passes the limit.

    ``size`` (a file's size from ``stat``) lets the message give the real size; a pipe's
    size is unknown, so it says "more than" the limit instead of a made-up number.
    """
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(CHUNK_BYTES, MAX_CONTEXT_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > MAX_CONTEXT_BYTES:
            raise _too_large(source, size if size is not None and size > total else None)
    return b"".join(chunks)


def read_context(source: str) -> str:
    """Read a context from a path, or from standard input when ``source`` is ``-``."""
    if source == "-":
        return decode_context(read_bounded(sys.stdin.buffer, "standard input"), "standard input")
    path = Path(source)
    if not path.exists():
        raise InputError(f"no such file: {source}; give a text file path, or - for stdin")
    if path.is_dir():
        raise InputError(f"{source} is a directory; give a text file, or - for stdin")
    try:
        size = path.stat().st_size
        if size > MAX_CONTEXT_BYTES and path.is_file():
            raise _too_large(source, size)
        with path.open("rb") as handle:
            data = read_bounded(handle, source, size if path.is_file() else None)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}; check its permissions") from exc
    return decode_context(data, source)
