"""The reasoning-gym catalogue (skipped unless the ``rg`` extra is installed)."""

from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("reasoning_gym")

import m1env
from m1env.envs import rg
from m1env.verifiers import get_verifier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def registered() -> None:
    rg.register_all()  # a no-op for ids the m1env-rg plugin already provides


def _task(dataset: str, seed: int = 0, index: int = 0, difficulty: int = 3) -> m1env.Task:
    env = m1env.make(rg.env_id(dataset), seed=seed)
    _, info = env.reset(options={"index": index, "difficulty": difficulty})
    return m1env.Task.from_dict(info["task"])


def test_catalogue_covers_reasoning_gym_minus_the_excluded():
    from reasoning_gym.factory import DATASETS

    names = rg.dataset_names()
    assert len(DATASETS) == 106 and len(names) == 99
    assert set(names) | set(rg.EXCLUDED) == set(DATASETS)
    assert {rg.env_id(n) for n in names} <= set(m1env.env_ids())
    assert set(names) >= rg.SLOW
    assert "slow" in m1env.spec(rg.env_id("sokoban")).tags
    assert "slow" not in m1env.spec(rg.env_id("leg_counting")).tags


def test_plugin_entry_points_match_the_catalogue():
    generate = ROOT / "plugins" / "m1env-rg" / "generate.py"
    namespace: dict[str, object] = {"__file__": str(generate), "__name__": "rg_generate"}
    exec(compile(generate.read_text(), str(generate), "exec"), namespace)
    rendered = namespace["render"]()  # type: ignore[operator]
    assert (ROOT / "plugins" / "m1env-rg" / "pyproject.toml").read_text() == rendered
    installed = {ep.name for ep in entry_points(group="m1env.environments")}
    if "m1env/rg-ab-v0" in installed:  # the plugin is installed: every id comes from it
        assert {rg.env_id(n) for n in rg.dataset_names()} <= installed


@pytest.mark.parametrize(
    "dataset", ["leg_counting", "graph_color", "propositional_logic", "acre", "word_ladder"]
)
def test_check_env(dataset):
    m1env.check_env(rg.env_id(dataset), episodes=2)


def test_generation_is_a_pure_function_of_seed_index_difficulty():
    a = _task("basic_arithmetic", seed=1, index=5, difficulty=4)
    assert a == _task("basic_arithmetic", seed=1, index=5, difficulty=4)
    assert a.reference["item"] == 5 and a.metadata["difficulty"] == 4
    others = [
        _task("basic_arithmetic", seed=2, index=5, difficulty=4),
        _task("basic_arithmetic", seed=1, index=105, difficulty=4),  # next block
        _task("basic_arithmetic", seed=1, index=6, difficulty=4),
    ]
    assert len({t.question for t in [a, *others]}) == 4
    far = _task("basic_arithmetic", seed=1, index=2**31 - 2, difficulty=4)
    assert far.reference["item"] == (2**31 - 2) % rg.BLOCK


def test_difficulty_moves_the_curriculum():
    easy = rg._dataset("leg_counting", 1, 7, rg.BLOCK).config
    hard = rg._dataset("leg_counting", 10, 7, rg.BLOCK).config
    assert (easy.max_animals, easy.max_instances) < (hard.max_animals, hard.max_instances)
    # rubiks_cube's top curriculum level fails its own validation: a lower one is used.
    assert rg._dataset("rubiks_cube", 10, 7, rg.BLOCK).config.cube_size < 7


def test_verifier_scores_with_the_datasets_own_scorer():
    verifier = get_verifier("rg")
    task = _task("leg_counting")
    gold = task.reference["answer"]
    assert verifier.verify(f"so <answer>{gold}</answer>", task.reference).status == "correct"
    wrong = verifier.verify(f"<answer>{int(gold) + 1}</answer>", task.reference)
    assert wrong.status == "incorrect" and wrong.score == 0.0 and "scorer gave 0" in wrong.reason
    none = verifier.verify(str(gold), task.reference)
    assert none.status == "incorrect" and "no final answer" in none.reason
    huge = verifier.verify("<answer>" + "9" * 200_000 + "</answer>", task.reference)
    assert huge.status == "incorrect" and "longer than" in huge.reason
    drifted = dict(task.reference, question_sha256="0" * 64)  # another rg version
    assert verifier.verify(f"<answer>{gold}</answer>", drifted).status == "error"
    bad = verifier.verify("<answer>1</answer>", {"nothing": 1})
    assert bad.status == "error"


def test_partial_credit_is_kept_unless_turned_off():
    verifier = get_verifier("rg")
    task = _task("spell_backward")
    gold = task.reference["answer"]
    padded = f"<answer>{gold} {gold}</answer>"  # rg's default scorer: len(gold)/len(answer)
    partial = verifier.verify(padded, task.reference)
    assert partial.status == "incorrect"
    if partial.score > 0:
        assert 0 < partial.score < 1
        strict = verifier.verify(padded, task.reference, partial_credit=False)
        assert strict.score == 0.0
    assert verifier.verify("<answer>x</answer>", task.reference, bogus=1).status == "error"


def test_simulation_checked_datasets_use_their_stored_example():
    task = _task("graph_color")
    assert task.reference["answer"] is None
    env = m1env.make(rg.env_id("graph_color")).unwrapped
    assert isinstance(env, m1env.TaskEnv)
    example = env.example_response(task)
    json.loads(example.removeprefix("<answer>").removesuffix("</answer>"))
    assert get_verifier("rg").verify(example, task.reference).status == "correct"
    for excluded in ("boxnet", "rush_hour"):
        ds = rg._rg().create_dataset(excluded, seed=3, size=5)
        assert all(rg.example_answer(ds, ds[i]) is None for i in range(3))
    with pytest.raises(AttributeError, match="excluded"):
        rg.SPEC_boxnet  # noqa: B018


_HASH_PROBE = """
import hashlib
import reasoning_gym
for name in ("basic_arithmetic", "zebra_puzzles", "isomorphic_strings"):
    ds = reasoning_gym.create_dataset(name, seed=11, size=3)
    text = "".join(ds[i]["question"] for i in range(3))
    print(name, hashlib.sha256(text.encode()).hexdigest())
"""


def test_items_do_not_depend_on_the_hash_seed_except_in_excluded_datasets():
    import os
    import subprocess
    import sys

    def run(hash_seed: str) -> dict[str, str]:
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run(
            [sys.executable, "-c", _HASH_PROBE], env=env, capture_output=True, text=True, check=True
        ).stdout
        return dict(line.split() for line in out.splitlines() if line.count(" ") == 1)

    a, b = run("1"), run("2")
    assert a["basic_arithmetic"] == b["basic_arithmetic"]
    assert a["zebra_puzzles"] == b["zebra_puzzles"]
    assert a["isomorphic_strings"] != b["isomorphic_strings"]  # why it is excluded


def test_registration_is_lazy():
    import subprocess
    import sys

    code = (
        "import sys, m1env\n"
        "ids = m1env.env_ids()\n"
        "import gymnasium\n"
        "assert all(i in gymnasium.registry for i in ids)\n"
        "assert 'reasoning_gym' not in sys.modules, 'listing ids imported reasoning_gym'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_missing_extra_gives_a_clear_error():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['reasoning_gym'] = None  # as if the extra were not installed\n"
        "import m1env\n"
        "from m1env.envs import rg\n"
        "try:\n"
        "    rg.ReasoningGymEnv('leg_counting')\n"
        "except ImportError as exc:\n"
        "    assert \"pip install 'm1env[rg]'\" in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('no error')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
