"""Reading context text from files or stdin, with errors that say how to fix the input."""

from __future__ import annotations

import sys
from pathlib import Path

from sleeptime.errors import InputError

MAX_CONTEXT_BYTES = 50 * 1024 * 1024


def decode_context(data: bytes, source: str) -> str:
    """Decode UTF-8 (a BOM is dropped); refuse binary or other encodings with a fix."""
    if len(data) > MAX_CONTEXT_BYTES:
        raise InputError(
            f"{source} is {len(data) / 1e6:.1f} MB, over the {MAX_CONTEXT_BYTES // 2**20} MiB "
            "limit for one context; split it into several contexts"
        )
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


def read_context(source: str) -> str:
    """Read a context from a path, or from standard input when ``source`` is ``-``."""
    if source == "-":
        return decode_context(sys.stdin.buffer.read(), "standard input")
    path = Path(source)
    if not path.exists():
        raise InputError(f"no such file: {source}; give a text file path, or - for stdin")
    if path.is_dir():
        raise InputError(f"{source} is a directory; give a text file, or - for stdin")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONTEXT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror}; check its permissions") from exc
    return decode_context(data, source)
