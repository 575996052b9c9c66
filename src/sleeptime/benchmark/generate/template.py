"""Read GSM-Symbolic template files into :class:`Template` records.

A template's ``question_annotated`` holds the question with ``{var,default}``
placeholders, then ``#init:`` lines (``- $x = range(10, 500, 10)``), optional
``#conditions:`` lines and ``#answer: expr`` (a few files write ``#answer = expr`` or wrap
the expression in braces). ``$`` marks a numeric variable; it is dropped from names.
``answer_annotated`` is the worked answer with ``{expr}`` placeholders.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sleeptime.errors import InputError

VARIANT_FOLDERS: dict[str, str] = {"main": "symbolic", "p1": "p1", "p2": "p2"}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SECTION = re.compile(r"^\s*#\s*(init|conditions)\s*:?\s*$", re.IGNORECASE)
_ANSWER = re.compile(r"^\s*#\s*answer\s*[:=]\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DOLLAR = re.compile(r"('[^']*'|\"[^\"]*\")|\$(?=[A-Za-z_])")
_TARGETS = re.compile(r"\s*\$?[A-Za-z_]\w*(\s*,\s*\$?[A-Za-z_]\w*)*\s*")


class TemplateError(InputError):
    """A template file cannot be read, parsed or satisfied; the message names the file."""


@dataclass(frozen=True)
class Placeholder:
    """One ``{name,default}`` in the question text, with its place in that text."""

    name: str
    default: str | None
    start: int
    end: int


@dataclass(frozen=True)
class InitLine:
    """``targets = source``: the variables one ``#init`` line draws, and from what."""

    targets: tuple[str, ...]
    source: str
    numeric: bool


@dataclass(frozen=True)
class Template:
    """One template file, parsed; ``question`` and ``answer`` are the file's own fields."""

    variant: str
    id: int
    path: Path
    body: str
    placeholders: tuple[Placeholder, ...]
    init: tuple[InitLine, ...]
    conditions: tuple[str, ...]
    answer_expr: str
    answer_annotated: str
    question: str
    answer: str
    id_orig: int | None

    @property
    def label(self) -> str:
        """``"p2/0007"``: how messages name the template."""
        return f"{VARIANT_FOLDERS[self.variant]}/{self.id:04d}"

    def variables(self) -> list[str]:
        """Every variable the init lines define, in order."""
        return [name for line in self.init for name in line.targets]


def strip_dollars(expression: str) -> str:
    """Drop the ``$`` of numeric variable names, leaving string literals untouched."""
    return _DOLLAR.sub(lambda m: m.group(1) or "", expression)


def parse_template(path: Path, variant: str) -> Template:
    """Parse one template file; any structural problem raises :class:`TemplateError`."""
    label = f"{path.parent.name}/{path.name}"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TemplateError(f"template {label}: cannot read it as JSON ({error}).") from None
    missing = [
        key
        for key in ("question", "answer", "question_annotated", "answer_annotated")
        if not isinstance(record.get(key), str)
    ]
    if missing:
        raise TemplateError(f"template {label}: missing text field(s) {', '.join(missing)}.")
    annotated = record["question_annotated"].replace("\\\n", " ")
    lines = annotated.split("\n")
    starts = [i for i, line in enumerate(lines) if _SECTION.match(line) or _ANSWER.match(line)]
    if not starts:
        raise TemplateError(f"template {label}: no '#init:' section in question_annotated.")
    body = "\n".join(lines[: starts[0]]).strip()
    init: list[InitLine] = []
    conditions: list[str] = []
    answer_expr: str | None = None
    section = ""
    for number, line in enumerate(lines[starts[0] :], start=starts[0] + 1):
        stripped = line.strip()
        header, answer = _SECTION.match(line), _ANSWER.match(line)
        if header:
            section = header.group(1).lower()
        elif answer:
            answer_expr, section = _unbrace(strip_dollars(answer.group(1).strip())), "answer"
        elif not stripped:
            continue
        elif section in ("init", "conditions") and stripped.startswith("-"):
            entry = strip_dollars(stripped[1:].strip()) if section == "conditions" else ""
            if section == "conditions":
                conditions.append(entry)
            else:
                init.append(_init_line(stripped[1:].strip(), label, number))
        elif section == "answer" and answer_expr is not None:
            answer_expr = f"{answer_expr} {strip_dollars(stripped)}"
        else:
            raise TemplateError(
                f"template {label}, line {number} of question_annotated: expected '- ...' "
                f"under #init/#conditions, got {stripped!r}."
            )
    if not answer_expr:
        raise TemplateError(f"template {label}: no '#answer:' line in question_annotated.")
    return Template(
        variant=variant,
        id=_template_id(path, label),
        path=path,
        body=body,
        placeholders=tuple(_placeholders(body)),
        init=tuple(init),
        conditions=tuple(conditions),
        answer_expr=answer_expr,
        answer_annotated=record["answer_annotated"],
        question=record["question"],
        answer=record["answer"],
        id_orig=record.get("id_orig") if isinstance(record.get("id_orig"), int) else None,
    )


def _template_id(path: Path, label: str) -> int:
    if not path.stem.isdigit():
        raise TemplateError(f"template {label}: file names must be numbers like 0007.json.")
    return int(path.stem)


def _unbrace(expression: str) -> str:
    # "#answer: {t + k}" means the expression inside the braces.
    if expression.startswith("{") and expression.endswith("}") and expression.count("{") == 1:
        return expression[1:-1].strip()
    return expression


def _init_line(entry: str, label: str, number: int) -> InitLine:
    targets, equals, source = entry.partition("=")
    if not equals or not _TARGETS.fullmatch(targets) or not source.strip():
        raise TemplateError(
            f"template {label}, line {number}: expected '- name = domain' in #init, got {entry!r}."
        )
    names = tuple(t.strip().lstrip("$") for t in targets.split(","))
    return InitLine(names, source.strip(), numeric=targets.strip().startswith("$"))


def _placeholders(body: str) -> list[Placeholder]:
    found = []
    for match in PLACEHOLDER.finditer(body):
        name, comma, default = match.group(1).partition(",")
        found.append(Placeholder(name.strip(), default.strip() if comma else None, *match.span()))
    return found


def load_templates(root: Path, variant: str) -> list[Template]:
    """Parse every ``NNNN.json`` of one variant's folder under ``root``, in id order."""
    folder = root / VARIANT_FOLDERS[variant]
    if not folder.is_dir():
        raise InputError(
            f"No GSM-Symbolic template folder at {folder}; pass --templates-dir pointing at "
            "the 'templates' folder that holds symbolic/, p1/ and p2/."
        )
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError(f"The template folder {folder} holds no .json files.")
    return [parse_template(path, variant) for path in files]
