"""Helpers for repository tests: real git repositories built with the git command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.org",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity and no user configuration."""
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **_ENV},
        check=True,
        timeout=60,
    )
    return done.stdout


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Create or overwrite files below ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def commit(
    root: Path, message: str, files: dict[str, str | bytes], remove: tuple[str, ...] = ()
) -> str:
    """Write ``files``, delete ``remove``, commit everything and return the new hash."""
    write(root, files)
    for rel in remove:
        git(root, "rm", "-q", rel)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


def init_repo(root: Path) -> Path:
    """An empty git repository (no commits) at ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


APP_FILES: dict[str, str | bytes] = {
    "README.md": "# shop\nA tiny shop application.\n",
    ".gitignore": "build/\n*.log\n",
    "shop/__init__.py": "",
    "shop/cli.py": "import click\n\n\ndef export(fmt):\n    return fmt\n",
    "shop/models.py": "class Order:\n    total = 0\n",
    "shop/export.py": "def export_csv(orders):\n    return ','.join(map(str, orders))\n",
    "tests/test_cli.py": "def test_export():\n    assert True\n",
}
