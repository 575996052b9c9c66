"""Prompts are data: versioned text files in this folder, loaded by name.

Each file starts with a header line ``version: N``; the rest is a ``string.Template``
(placeholders like ``$context``). The key ``name@vN`` goes into every record a prompt
produces, so a changed prompt never silently mixes with results of the old one.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sleeptime.errors import ConfigError


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
        """Fill the placeholders; a missing value is a programming error, so it raises."""
        try:
            return string.Template(self.template).substitute({k: str(v) for k, v in values.items()})
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


__all__ = ["Prompt", "load_prompt"]
