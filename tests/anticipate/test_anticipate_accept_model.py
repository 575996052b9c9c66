"""Model-confirmed accept on real models: the embedded SmolLM2 (plumbing) and, when it has been
assembled (``sleeptime models fetch qwen2.5-coder-1.5b``), the 1.5B model the path was
measured with (``bench/anticipated_accept.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sleeptime.anticipate import match_anticipated
from sleeptime.anticipate.accept import ACCEPT_MAX_TOKENS
from sleeptime.anticipate.agree import ANSWER_MAX_TOKENS
from sleeptime.backends.llama import LlamaBackend
from sleeptime.backends.model_catalog import assembled_path, get_model
from sleeptime.backends.model_files import default_model_path
from sleeptime.settings import default_data_dir

pytestmark = pytest.mark.integration

CONTEXT = (
    "Policy HC-7. The standard excess is 150 pounds per claim, rising to 400 pounds for "
    "claims caused by escape of water. Claims must be reported within 30 days of the loss."
)
STORED = [
    {"question": "How much is the excess on a claim caused by escape of water?", "answer": "400"},
    {"question": "Within how many days must a claim be reported?", "answer": "30 days"},
]


def _qwen() -> Path:
    # The user's data directory, not the test's: the file is read, never written.
    path = assembled_path(get_model("qwen2.5-coder-1.5b"), default_data_dir())
    if not path.is_file():
        pytest.skip(f"{path} is not assembled: sleeptime models fetch qwen2.5-coder-1.5b")
    return path


async def test_the_embedded_model_is_asked_once_with_a_two_token_cap() -> None:
    model = LlamaBackend(default_model_path(), n_ctx=2048, n_threads=1)
    asked = "How much is the excess on a claim caused by a water leak?"
    found = await match_anticipated(asked, STORED, backend=model, accept=True, context=CONTEXT)
    assert found.verifier == "structural+model-accept"
    assert found.usage.calls == 1  # one candidate passes the hard slots
    assert 1 <= found.usage.completion_tokens <= ACCEPT_MAX_TOKENS
    assert found.usage.prompt_tokens > 0 and found.latency_s > 0
    assert found.item is None or found.item["answer"] == "400"


async def test_the_measured_model_tells_a_rewording_from_a_substitution() -> None:
    model = LlamaBackend(_qwen(), n_ctx=2048, n_threads=1)
    reworded = "How many days do I have to report a claim?"
    found = await match_anticipated(reworded, STORED, backend=model, accept=True, context=CONTEXT)
    assert found.item is not None and found.item["answer"] == "30 days"
    assert found.usage.completion_tokens <= ACCEPT_MAX_TOKENS
    # Substitutions the context does not mention, so only the model can refuse them.
    for other in (
        "How much is the excess on a claim caused by a fire?",
        "Within how many days must a claim be withdrawn?",
    ):
        refused = await match_anticipated(
            other, STORED, backend=model, accept=True, context=CONTEXT
        )
        assert refused.usage.calls == 1 and refused.item is None


TELEGRAPHIC = "excess for escape of water"  # words dropped: the content-word filters refuse it


async def test_the_embedded_model_gives_its_own_answer_in_a_few_tokens() -> None:
    model = LlamaBackend(default_model_path(), n_ctx=2048, n_threads=1)
    found = await match_anticipated(
        TELEGRAPHIC, STORED, backend=model, accept=True, context=CONTEXT, answer_check=True
    )
    assert found.short_answer is not None
    assert 1 <= found.usage.calls <= 2
    assert found.usage.completion_tokens <= ANSWER_MAX_TOKENS + ACCEPT_MAX_TOKENS
    assert found.item is None or found.item["answer"] == "400"


async def test_the_measured_model_reaches_the_stored_answer_only_for_the_same_question() -> None:
    model = LlamaBackend(_qwen(), n_ctx=2048, n_threads=1)
    found = await match_anticipated(
        TELEGRAPHIC, STORED, backend=model, accept=True, context=CONTEXT, answer_check=True
    )
    assert found.item is not None and found.item["answer"] == "400"
    assert found.short_answer is not None and "400" in found.short_answer
    # The other excess the text states: the model's answer is not the stored one.
    other = await match_anticipated(
        "the standard excess",
        STORED,
        backend=model,
        accept=True,
        context=CONTEXT,
        answer_check=True,
    )
    assert other.item is None and other.short_answer is not None
