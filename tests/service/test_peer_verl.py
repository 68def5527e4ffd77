"""verl's own ``NaiveRewardManager`` with our ``compute_score`` as its reward function.

The manager decodes each sample's valid prompt and response tokens, reads
``reward_model.ground_truth`` and ``data_source`` from the batch's numpy
``non_tensor_batch``, calls ``compute_score(data_source=, solution_str=, ground_truth=,
extra_info=)``, puts ``score`` on the last valid response token and keeps the dict's
other keys as ``reward_extra_info``. Only the tokenizer (UTF-8 bytes) is a stand-in.

Needs verl installed without its GPU stack:
``pip install --no-deps verl==0.9.1 && pip install ray tensordict omegaconf``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from m1env.adapters import UnknownDataSource, compute_score, make_compute_score

torch = pytest.importorskip("torch")
naive = pytest.importorskip(
    "verl.workers.reward_manager.naive",
    reason="verl is not installed: pip install --no-deps verl==0.9.1 ray tensordict omegaconf",
)
from verl import DataProto  # noqa: E402  (after the skip: verl is optional)

WIDTH = 48  # prompt and response lengths, padded (prompts on the left, responses on the right)


class ByteTokenizer:
    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        return bytes(ids.tolist()).decode()


def _batch(rows: list[tuple[str, str, str, Any]]) -> DataProto:
    """(prompt, response, data_source, ground_truth) rows as verl's rollout lays them out."""
    n = len(rows)
    prompts = torch.zeros(n, WIDTH, dtype=torch.long)
    responses = torch.zeros(n, WIDTH, dtype=torch.long)
    mask = torch.zeros(n, 2 * WIDTH, dtype=torch.long)
    for i, (prompt, response, _, _) in enumerate(rows):
        p, r = list(prompt.encode()), list(response.encode())
        prompts[i, WIDTH - len(p) :] = torch.tensor(p)
        responses[i, : len(r)] = torch.tensor(r)
        mask[i, WIDTH - len(p) : WIDTH + len(r)] = 1
    return DataProto.from_dict(
        tensors={
            "prompts": prompts,
            "responses": responses,
            "input_ids": torch.cat([prompts, responses], dim=1),
            "attention_mask": mask,
        },
        non_tensors={
            "data_source": np.array([row[2] for row in rows], dtype=object),
            "reward_model": np.array([{"ground_truth": row[3]} for row in rows], dtype=object),
            "extra_info": np.array([{"index": i} for i in range(n)], dtype=object),
        },
    )


def _manager(fn: Any) -> Any:
    return naive.NaiveRewardManager(tokenizer=ByteTokenizer(), num_examine=0, compute_score=fn)


def test_verl_naive_reward_manager_scores_through_compute_score() -> None:
    rows = [
        ("What is 6*7? ", "It is \\boxed{42}.", "openai/gsm8k", "42"),
        ("What is 6*7? ", "It is \\boxed{41}.", "openai/gsm8k", "42"),
        # numpy ground truths, as parquet rows loaded into non_tensor_batch carry them:
        # an array of accepted answers, and a numpy scalar.
        ("x^2 = 9, x = ? ", "\\boxed{-3}", "HuggingFaceH4/MATH-500", np.array(["3", "-3"])),
        ("7 + 5 = ? ", "\\boxed{12}", "lighteval/MATH", np.int64(12)),
        ("Capital of France? ", "<answer>Paris</answer>", "exact", np.str_("paris")),
    ]
    out = _manager(compute_score)(_batch(rows), return_dict=True)
    rewards = out["reward_tensor"]
    # The reward sits on each response's last valid token, zero elsewhere.
    lengths = [len(r[1].encode()) for r in rows]
    assert [rewards[i, n - 1].item() for i, n in enumerate(lengths)] == [1.0, 0.0, 1.0, 1.0, 1.0]
    assert rewards.sum().item() == 4.0
    assert out["reward_extra_info"]["acc"] == [1.0, 0.0, 1.0, 1.0, 1.0]
    assert out["reward_extra_info"]["error"] == [0.0] * 5


def test_verl_unknown_data_source_raises_naming_it_unless_asked_to_score_it() -> None:
    rows = [
        ("What is 6*7? ", "\\boxed{42}", "openai/gsm8k", "42"),
        ("Q? ", "\\boxed{1}", "my_lab/unrouted-v3", "1"),
    ]
    # As verl's default_compute_score does (NotImplementedError): a batch with a source
    # nothing scores stops the step, naming the source, instead of training on zeros.
    with pytest.raises(UnknownDataSource, match=r"'my_lab/unrouted-v3'.*register_data_source"):
        _manager(compute_score)(_batch(rows), return_dict=True)
    lenient = make_compute_score(unknown_source="error")
    out = _manager(lenient)(_batch(rows), return_dict=True)
    assert out["reward_tensor"].sum().item() == 1.0
    assert out["reward_extra_info"]["error"] == [0.0, 1.0]
