"""A second tenant reaches nothing of the first through any command, ids included.

Alice owns a context with a slept artifact, an answered query, a cut-off run whose partial
notes are kept, and a saved KV state. Bob then runs every command of the CLI that reads
tenant data with alice's names and ids. Each must answer exactly as it would for a name or
id that does not exist, and no output may contain anything of alice's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from sleeptime.backends.llama_kv import PrefixStateStore, tokens_digest
from sleeptime.cli.main import cli
from sleeptime.store import Store
from sleeptime.values import Usage

SECRET_TEXT = "Alice's payroll: the bonus pool is 7311 euros.\n"
SECRET_NOTES = "<notes>Bonus pool 7311.</notes>"
SECRET_PARTIAL = "partial notes of alice: salary band Q9"
SECRET_QUESTION = "How large is the bonus pool?"
SECRET_LABEL = "payroll artifact"
SECRETS = ("payroll", "7311", "Q9", "bonus", SECRET_LABEL)

# Commands that never read tenant data, so there is nothing to leak (models, benchmarks
# on files, the demo on its own bundled context in the caller's tenant).
NO_TENANT_DATA = {
    "models list",
    "models fetch",
    "models path",
    "bench sweep",
    "bench context-only",
    "bench passk",
    "bench amortization",
    "bench predictability",
    "bench report",
    "bench multiquery",
    "bench generate",
    "bench repo",
    "bench references",
    "multiquery",
    "demo",
    # Operators' processes that serve every tenant; tenants never run them.
    "worker",
    "serve",
}


def _leaves(group: click.Group, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            yield from _leaves(command, path + " ")
        else:
            yield path


class World:
    """Alice's data in one database, and a way to run commands as any tenant."""

    def __init__(self, db_url: str, replies: Callable[..., str]) -> None:
        self.db_url = db_url
        self.replies = replies
        self.runner = CliRunner()

    def run(self, tenant: str, *args: str) -> Result:
        return self.runner.invoke(
            cli, ["--tenant", tenant, *args], env={"SLEEPTIME_DATABASE_URL": self.db_url}
        )


@pytest.fixture
def world(db_url: str, tmp_path: Path, replies: Callable[..., str]) -> World:
    w = World(db_url, replies)
    source = tmp_path / "payroll.txt"
    source.write_text(SECRET_TEXT, encoding="utf-8")
    assert w.run("alice", "context", "add", "payroll", str(source)).exit_code == 0
    slept = w.run(
        "alice", "sleep", "payroll", "--backend", "scripted",
        "--model", replies(SECRET_NOTES, "<finish/>"), "--quiet",
    )  # fmt: skip
    assert slept.exit_code == 0, slept.output
    asked = w.run(
        "alice", "ask", "payroll", SECRET_QUESTION, "--backend", "scripted",
        "--model", replies("The pool is 7311 euros."), "--no-anticipated",
    )  # fmt: skip
    assert asked.exit_code == 0, asked.output
    with Store(db_url) as store:
        context = store.get_context("alice", "payroll")
        revision = store.current_revision(context.id)
        cut = store.start_run(
            revision.id, recipe="rethink", recipe_version="1", prompt_versions={},
            backend="scripted", model="m", settings={},
        )  # fmt: skip
        store.fail_run(
            cut.id, status="cut_off", error="budget", usage=Usage(), rounds=1,
            partial_text=SECRET_PARTIAL, details={},
        )  # fmt: skip
        store.enqueue_run(
            revision.id, recipe="rethink", recipe_version="2", prompt_versions={},
            backend="scripted", model="default", settings={}, job_key="alice-job",
            delay_s=3600,
        )  # fmt: skip
        w.run_ids = [r.id for r in store.list_runs()]  # only alice has runs yet
        w.key_id = store.create_api_key("alice", "payroll key")[0].id
    kv = PrefixStateStore(Path(os.environ["SLEEPTIME_DATA_DIR"]) / "kv", "model", 1 << 20)
    w.kv_digest = tokens_digest([7, 3, 1, 1])
    kv.path(w.kv_digest).write_bytes(b"kv" * 512)
    kv.record(w.kv_digest, 4, f"{SECRET_LABEL} 1", "alice")
    w.kv = kv
    return w


def _clean(result: Result, typed: str = "") -> None:
    """No traceback and nothing of alice's in the output, apart from what bob typed."""
    output = result.output.replace(typed, "<typed>") if typed else result.output
    assert "Traceback" not in output, output
    for secret in SECRETS:
        assert secret not in output, (secret, output)


def _same_as_missing(world: World, args: list[str], real: str, missing: str) -> Result:
    """Run ``args`` as bob with alice's ``real`` name or id, and with a ``missing`` one."""
    foreign = world.run("bob", *[real if a == "{}" else a for a in args])
    absent = world.run("bob", *[missing if a == "{}" else a for a in args])
    assert foreign.exit_code == absent.exit_code != 0, (foreign.output, absent.output)
    assert foreign.output.replace(real, "<x>") == absent.output.replace(missing, "<x>")
    return foreign


def test_every_command_with_a_foreign_name_or_id_finds_nothing(world: World) -> None:
    covered: set[str] = set()
    scripted = ["--backend", "scripted", "--model", world.replies("leaked?")]

    by_name = {
        "context show": ["context", "show", "{}", "--full"],
        "context delete": ["context", "delete", "{}", "--yes"],
        "context refresh": ["context", "refresh", "{}"],
        "context add": None,  # adding in bob's tenant creates bob's own context (below)
        "sleep": ["sleep", "{}", *scripted, "--quiet"],
        "ask": ["ask", "{}", "What is the pool?", *scripted],
        "stats": ["stats", "{}"],
        "runs list": ["runs", "list", "{}"],
    }
    for command, args in by_name.items():
        covered.add(command)
        if args is not None:
            result = _same_as_missing(world, args, "payroll", "nothere")
            _clean(result, typed="payroll")
            assert result.exit_code == 3 and "no context named" in result.output

    covered.update({"runs show", "jobs show", "jobs cancel"})
    for run_id in world.run_ids:
        for given in (run_id, run_id[:8], run_id.upper()):
            missing = "f" * len(given) if given[0] != "f" else "e" * len(given)
            for command in (["runs", "show"], ["jobs", "show"], ["jobs", "cancel"]):
                result = _same_as_missing(world, [*command, "{}"], given, missing)
                _clean(result)
                assert result.exit_code == 3 and "no sleep run" in result.output

    covered.update({"keys list", "keys revoke", "keys create"})
    listed = world.run("bob", "keys", "list")
    assert listed.exit_code == 0 and world.key_id not in listed.output
    _clean(listed)
    missing_key = "0" * len(world.key_id)
    revoked = _same_as_missing(world, ["keys", "revoke", "{}"], world.key_id, missing_key)
    assert revoked.exit_code == 3 and "no API key" in revoked.output
    _clean(revoked, typed=world.key_id)
    own_key = world.run("bob", "keys", "create", "--name", "mine")
    assert own_key.exit_code == 0
    # The new key is random text, and may hold a short secret such as "Q9" by chance (it
    # did, once in CI): it is bob's own, so it is masked like what he typed.
    _clean(own_key, typed=own_key.output.split()[0])

    covered.add("jobs list")
    for flags in ([], ["--all"]):
        listed = world.run("bob", "jobs", "list", *flags)
        assert listed.exit_code == 0 and "no background sleep runs" in listed.output
        _clean(listed)

    covered.update({"context list", "priorities", "cache show", "cache clear"})
    for args in (["context", "list"], ["priorities"], ["cache", "show"]):
        result = world.run("bob", *args)
        assert result.exit_code == 0, result.output
        _clean(result)
    cleared = world.run("bob", "cache", "clear", "--yes")
    assert cleared.exit_code == 0 and "nothing to clear" in cleared.output
    assert world.kv.path(world.kv_digest).is_file()

    # Bob's own context of the same name is his, separate from alice's.
    covered.add("context append")
    for verb in ("add", "append"):
        own = world.run("bob", "context", verb, "payroll", "-")
        assert own.exit_code == 2  # empty stdin: refused, and nothing of alice's shown
        _clean(own)

    unclassified = set(_leaves(cli)) - covered - NO_TENANT_DATA
    assert not unclassified, f"commands not checked for tenant isolation: {unclassified}"

    # Alice still has everything bob tried to touch.
    alice = world.run("alice", "context", "show", "payroll", "--full")
    assert alice.exit_code == 0 and "7311" in alice.output
    assert len(world.run("alice", "runs", "list", "payroll").output.splitlines()) == 3
    queued = world.run("alice", "jobs", "list")
    assert queued.exit_code == 0 and " queued " in queued.output  # bob's cancel did nothing
    mine = world.run("alice", "runs", "show", world.run_ids[0][:8])
    assert mine.exit_code == 0 and world.run_ids[0] in mine.output


def test_the_store_filters_every_lookup_by_id_by_tenant(world: World) -> None:
    with Store(world.db_url) as store:
        context = store.get_context("alice", "payroll")
        revision = store.current_revision(context.id, tenant="alice")
        artifact = store.latest_artifact(revision.id, tenant="alice")
        assert artifact is not None
        store.add_context("bob", "mine", "bob's text")
        assert store.list_runs(context_id=context.id, tenant="bob") == []
        assert store.list_runs(tenant="bob") == []
        assert store.list_queries(context_id=context.id, tenant="bob") == []
        assert store.list_queries(tenant="bob") == []
        assert store.list_revisions(context.id, tenant="bob") == []
        assert store.latest_artifact(revision.id, tenant="bob") is None
        for lookup, real, missing in (
            (lambda i: store.get_artifact(i, tenant="bob"), artifact.id, artifact.id + 999),
            (lambda i: store.get_revision(i, tenant="bob"), revision.id, revision.id + 999),
            (lambda i: store.current_revision(i, tenant="bob"), context.id, context.id + 999),
        ):
            with pytest.raises(Exception) as foreign:
                lookup(real)
            with pytest.raises(Exception) as absent:
                lookup(missing)
            assert type(foreign.value) is type(absent.value)
            assert str(foreign.value).replace(str(real), "<x>") == str(absent.value).replace(
                str(missing), "<x>"
            )
        assert store.get_run(artifact.run_id, tenant="alice").id == artifact.run_id
