"""``PriorityGate``: interactive callers overtake background holders, in and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from sleeptime.backends.gate import PriorityGate


def test_an_interactive_caller_overtakes_a_background_holder() -> None:
    gate = PriorityGate()
    order: list[str] = []
    started = threading.Event()

    def background() -> None:
        with gate.hold(background=True) as hold:
            started.set()
            for step in range(200):  # "tokens"
                time.sleep(0.005)
                if hold.should_yield():
                    order.append(f"pause at {step}")
                    hold.pause()
            order.append("background done")

    thread = threading.Thread(target=background)
    thread.start()
    started.wait(5)
    time.sleep(0.05)
    began = time.perf_counter()
    with gate.hold():
        waited = time.perf_counter() - began
        order.append("interactive")
    thread.join(10)
    assert waited < 0.1
    assert order[0].startswith("pause at") and order[1] == "interactive"
    assert order[-1] == "background done" and gate.pauses == 1


def test_background_callers_never_overtake_a_waiting_interactive_one() -> None:
    gate = PriorityGate()
    order: list[str] = []
    with gate.hold():
        late_bg = threading.Thread(target=lambda: _take(gate, True, order, "bg"))
        late_bg.start()
        time.sleep(0.05)
        fg = threading.Thread(target=lambda: _take(gate, False, order, "fg"))
        fg.start()
        time.sleep(0.05)
    late_bg.join(5)
    fg.join(5)
    assert order == ["fg", "bg"]


def _take(gate: PriorityGate, background: bool, order: list[str], name: str) -> None:
    with gate.hold(background=background):
        order.append(name)


HOLDER = """
import sys, time
from pathlib import Path
from sleeptime.backends.gate import PriorityGate
gate = PriorityGate()
gate.use_file(Path(sys.argv[1]))
with gate.hold():
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_an_answer_in_another_process_pauses_background_work(tmp_path: Path) -> None:
    path = tmp_path / "interactive.lock"
    gate = PriorityGate()
    gate.use_file(path)
    with gate.hold(background=True) as hold:
        assert not hold.should_yield()
        child = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(path), "0.6"], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None and child.stdout.readline().strip() == "holding"
        assert hold.should_yield()
        began = time.perf_counter()
        hold.pause()  # waits until the other process's answer is done
        assert time.perf_counter() - began > 0.2
        assert not hold.should_yield()
        child.wait(10)
