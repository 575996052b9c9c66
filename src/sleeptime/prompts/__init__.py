"""Prompts are data: versioned text files in this folder, loaded by name.

Each file starts with a header line ``version: N``; the rest is a ``string.Template``
(placeholders like ``$context``). The key ``name@vN`` goes into every record a prompt
produces, so a changed prompt never silently mixes with results of the old one.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sleeptime.errors import ConfigError

DATA_FIELDS = frozenset({"context", "notes", "question"})
"""Placeholders that carry users' text: it goes inside <context>/<notes> tags as data."""
_TAG = re.compile(r"<(\s*/?\s*)(context|notes)\b", re.IGNORECASE)


def escape_data(text: str) -> str:
    """Neutralise tags in users' text that could close (or open) a data block early.

    ``</context>`` inside a document would otherwise end the block the instructions say
    is only material, and what follows would read as instructions. The ``<`` of such a
    tag becomes ``‹``: the text stays readable, and no delimiter can be forged.
    """
    return _TAG.sub(lambda m: f"\u2039{m.group(1)}{m.group(2)}", text)


@dataclass(frozen=True, slots=True)
class Prompt:
    """A named, versioned prompt template."""

    name: str
    version: str
    template: str

    @property
    def key(self) -> str:
        """``name@vN``: what records store to say which prompt produced them."""
        return f"{self.name}@v{self.version}"

    @property
    def sha256(self) -> str:
        """Hash of the template text, to detect edits made without a version bump."""
        return hashlib.sha256(self.template.encode("utf-8")).hexdigest()[:16]

    def render(self, **values: object) -> str:
        """Fill the placeholders; a missing value is a programming error, so it raises.

        Values of ``DATA_FIELDS`` are users' text and are escaped (``escape_data``).
        """
        filled = {k: escape_data(str(v)) if k in DATA_FIELDS else str(v) for k, v in values.items()}
        try:
            return string.Template(self.template).substitute(filled)
        except KeyError as exc:
            raise ConfigError(f"prompt {self.key} needs a value for ${exc.args[0]}") from exc


@cache
def load_prompt(name: str) -> Prompt:
    """Load ``prompts/<name>.txt``; raise ConfigError naming the available prompts if absent."""
    folder = resources.files(__name__)
    path = folder / f"{name}.txt"
    if not path.is_file():
        names = sorted(
            p.name.removesuffix(".txt") for p in folder.iterdir() if p.name.endswith(".txt")
        )
        raise ConfigError(f"no prompt named {name!r}; available: {', '.join(names)}")
    raw = path.read_text(encoding="utf-8")
    header, _, body = raw.partition("\n")
    if not header.startswith("version:"):
        raise ConfigError(f"prompt file {name}.txt must start with a 'version: N' line")
    return Prompt(
        name=name, version=header.removeprefix("version:").strip(), template=body.strip("\n")
    )


__all__ = ["DATA_FIELDS", "Prompt", "escape_data", "load_prompt"]
