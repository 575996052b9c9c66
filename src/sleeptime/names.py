"""What a name (context, tenant) and a question may contain, checked before any work starts.

Names are shown in listings and typed back by users, so a name must look like what it is:
no control, invisible or bidirectional-override characters (``U+200B``, ``U+202E``) that
make two different names look alike or reorder text on screen. Arguments that were not
valid UTF-8 reach Python as lone surrogates (``\\udcff``); nothing can store or print
them, so they are refused up front, before a model is called. Messages show every such
character escaped, so the user sees what is wrong.
"""

from __future__ import annotations

import unicodedata

from sleeptime.errors import InputError

MAX_NAME_CHARS = 200
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Control, format (zero-width, bidi), surrogate and line/paragraph separator categories."""
_TEXT_WHITESPACE = frozenset("\n\r\t")
_CONTROL_NAMES = {"\n": "newline", "\r": "carriage return", "\t": "tab", "\x00": "NUL"}


def _is_surrogate(ch: str) -> bool:
    return 0xD800 <= ord(ch) <= 0xDFFF


def escape_hidden(value: str) -> str:
    """Quote ``value`` with every control, invisible or undecodable character as ``\\uXXXX``."""
    out = []
    for ch in value:
        if unicodedata.category(ch) in _HIDDEN or ch == "\\":
            out.append("\\\\" if ch == "\\" else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def shown(value: str) -> str:
    """``value`` as is, or quoted and escaped if it holds a hidden character (for listings).

    Names are checked when they are created, but a database written by an older version
    may hold one; listings must never let it reorder or hide text on the screen.
    """
    if any(unicodedata.category(ch) in _HIDDEN for ch in value):
        return escape_hidden(value)
    return value


def _describe(ch: str) -> str:
    if _is_surrogate(ch):
        return f"byte 0x{ord(ch) - 0xDC00:02x} that is not valid UTF-8"
    name = _CONTROL_NAMES.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def check_utf8(value: str, what: str) -> None:
    """Raise ``InputError`` if ``value`` came from bytes that were not valid UTF-8."""
    bad = next((ch for ch in value if _is_surrogate(ch)), None)
    if bad is not None:
        raise InputError(
            f"{what} {escape_hidden(value)} contains a {_describe(bad)}; give it as UTF-8 "
            "text (check the terminal's or the script's encoding)"
        )


def check_name(value: str, what: str = "context name") -> None:
    """Raise ``InputError`` unless ``value`` is a usable one-line, visible name."""
    check_utf8(value, what)
    if not value.strip():
        raise InputError(f"{what} is empty; give a short name such as 'handbook'")
    if len(value) > MAX_NAME_CHARS:
        raise InputError(f"{what} is {len(value)} characters long; use at most {MAX_NAME_CHARS}")
    bad = next((ch for ch in value if unicodedata.category(ch) in _HIDDEN), None)
    if bad is not None:
        raise InputError(
            f"{what} {escape_hidden(value)} contains a newline, control or invisible "
            f"character ({_describe(bad)}); use a one-line name of visible characters"
        )
    if value != value.strip():
        raise InputError(f"{what} {escape_hidden(value)} starts or ends with whitespace; remove it")


def check_question(value: str) -> None:
    """Raise ``InputError`` for a question that cannot be stored (undecodable bytes, NUL)."""
    check_utf8(value, "question")
    bad = next(
        (
            ch
            for ch in value
            if unicodedata.category(ch) in ("Cc", "Cs") and ch not in _TEXT_WHITESPACE
        ),
        None,
    )
    if bad is not None:
        raise InputError(
            f"question {escape_hidden(value)} contains a control character ({_describe(bad)}); "
            "remove it"
        )
