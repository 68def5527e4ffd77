"""OpenRLHF's own rollout code against our ``/get_reward`` (``--remote_rm_url``).

OpenRLHF's ``SingleTurnAgentExecutor`` (``openrlhf/utils/agent.py``) decodes prompt plus
generation, posts ``{"query", "prompts", "labels"}`` to the reward URL with aiohttp and
keeps ``rewards``, ``scores`` and ``extra_logs``; ``SamplesGenerator`` then turns the
reply into an ``Experience``, calling ``torch.tensor`` on every ``extra_logs`` value (a
string there is ``ValueError: too many dimensions 'str'``). Both run unmodified here.
Only what sits outside the reward protocol is stood in for: vLLM's engine (a fixed
completion), its ``SamplingParams``, the tokenizer (bytes), and the ``ray``/``vllm``
modules ``samples_generator`` imports but the code under test never calls.

Needs OpenRLHF installed without its GPU stack:
``pip install --no-deps openrlhf==0.11.2 && pip install aiohttp pylatexenc``.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.service.conftest import LiveServer

torch = pytest.importorskip("torch")
agent = pytest.importorskip(
    "openrlhf.utils.agent",
    reason="OpenRLHF is not installed: pip install --no-deps openrlhf==0.11.2 aiohttp pylatexenc",
)


class ByteTokenizer:
    """The two tokenizer calls OpenRLHF's executor makes, over UTF-8 bytes."""

    def __call__(self, *, text: str, add_special_tokens: bool, return_tensors: str) -> dict:
        return {"input_ids": torch.tensor([list(text.encode())])}

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return bytes(ids).decode()


@dataclass
class SamplingParams:  # the fields of vllm.SamplingParams the executor reads
    max_tokens: int | None = 64
    logprobs: int | None = None


@dataclass
class _Output:
    text: str
    token_ids: list[int] = field(init=False)
    finish_reason: str = "stop"
    logprobs: Any = None

    def __post_init__(self) -> None:
        self.token_ids = list(self.text.encode())


class FixedEngine:
    """vLLM's async engine, answering each prompt with a fixed completion."""

    def __init__(self, completion: str) -> None:
        self.completion = completion

    async def generate(self, prompt_ids: list[int], params: Any, multi_modal_data: Any = None):
        return types.SimpleNamespace(outputs=[_Output(self.completion)])


GENERATOR = "openrlhf.trainer.ppo_utils.samples_generator"


@pytest.fixture
def samples_generator() -> Iterator[Any]:
    """OpenRLHF's ``samples_generator`` module, imported against ray/vLLM stand-ins."""
    vllm = types.ModuleType("vllm")
    vllm.SamplingParams = SamplingParams  # type: ignore[attr-defined]
    engine = types.ModuleType("openrlhf.trainer.ray.vllm_engine")
    engine.batch_vllm_engine_call = None  # type: ignore[attr-defined]
    ray_pkg = types.ModuleType("openrlhf.trainer.ray")
    ray_pkg.vllm_engine = engine  # type: ignore[attr-defined]
    stubs = {
        "vllm": vllm,
        "openrlhf.trainer.ray": ray_pkg,
        "openrlhf.trainer.ray.vllm_engine": engine,
    }
    if importlib.util.find_spec("ray") is None:
        stubs["ray"] = types.ModuleType("ray")
    with pytest.MonkeyPatch.context() as mp:
        for name, module in stubs.items():
            mp.setitem(sys.modules, name, module)
        sys.modules.pop(GENERATOR, None)
        try:
            yield importlib.import_module(GENERATOR)
        finally:
            sys.modules.pop(GENERATOR, None)  # it holds the stand-ins: never reuse it


def _rollout(url: str, prompt: str, completion: str, label: Any) -> dict:
    executor = agent.SingleTurnAgentExecutor(remote_rm_url=url)
    return asyncio.run(
        executor.execute(
            prompt, label, SamplingParams(), 256, ByteTokenizer(), FixedEngine(completion)
        )
    )


def test_openrlhf_rollout_and_experience_from_get_reward(
    live: LiveServer, samples_generator: Any
) -> None:
    url = f"{live.url}/get_reward?verifier=exact"
    right = _rollout(url, "What is 2+2? ", "<answer>4</answer>", "4")
    wrong = _rollout(url, "Capital of France? ", "<answer>Lyon</answer>", "Paris")
    # `exact` cannot use a dict reference: an error Score, reward 0.0, flagged in extra_logs.
    broken = _rollout(url, "Say hi. ", "<answer>hi</answer>", {"x": 1})
    # The executor swallows a failed reward call (reward None): each must have landed.
    assert [r["reward"] for r in (right, wrong, broken)] == [[1.0], [0.0], [0.0]]
    assert right["scores"] == [1.0]

    # OpenRLHF's own post-processing: torch.tensor on each extra_logs value.
    strategy = types.SimpleNamespace(args=None)
    generator = samples_generator.SamplesGenerator(strategy, None, None, ByteTokenizer(), [])
    for rollout, correct, error in ((right, 1.0, 0.0), (wrong, 0.0, 0.0), (broken, 0.0, 1.0)):
        experience = generator._process_response_into_experience(rollout, max_len=256)
        assert experience.rewards.flatten().tolist() == [correct]
        assert experience.info["correct"].flatten().tolist() == [correct]
        assert experience.info["error"].flatten().tolist() == [error]
