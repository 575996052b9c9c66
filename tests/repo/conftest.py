"""Fixtures for repository tests: real git repositories built in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.git_repos import APP_FILES, commit, init_repo


@pytest.fixture
def shop_repo(tmp_path: Path) -> Path:
    """A small application with three commits; the last one touches three source files."""
    root = init_repo(tmp_path / "shop")
    commit(root, "Start the shop", APP_FILES)
    commit(
        root, "Describe orders", {"shop/models.py": "class Order:\n    total = 0\n    items = []\n"}
    )
    commit(
        root,
        "Add a --json flag to export\n\nThe export command in shop/cli.py can now write JSON "
        "through export.py, and Order gains to_dict.",
        {
            "shop/cli.py": "import click\n\n\ndef export(fmt, json=False):\n    return fmt\n",
            "shop/export.py": (
                "import json\n\n\ndef export_json(orders):\n    return json.dumps(orders)\n"
            ),
            "shop/models.py": (
                "class Order:\n    total = 0\n    items = []\n\n"
                "    def to_dict(self):\n        return {}\n"
            ),
            "tests/test_cli.py": "def test_export_json():\n    assert True\n",
        },
    )
    return root
