"""The reasoning-gym catalogue as m1env environments: ``m1env/rg-<dataset>-v0``.

Needs the optional extra ``rg`` (``reasoning-gym==0.1.25``). Each dataset becomes a
single-turn environment whose answers go in ``<answer>`` tags and are scored by the
dataset's own ``score_answer``, through the verifier ``rg``.

Registration stays lazy and conditional. m1env's own ``pyproject.toml`` names no rg
environment (an entry point cannot depend on whether an extra is installed, and ids
that fail to load would break ``m1env envs`` and ``check_env`` for everyone). The
entry points live in a tiny metadata-only distribution, ``plugins/m1env-rg``, which
depends on ``reasoning-gym==0.1.25``: install it (``pip install 'm1env[rg]'
./plugins/m1env-rg``) and the ids appear in ``m1env envs`` and ``gymnasium.make``;
no reasoning-gym code is imported until one is made. Without the plugin, code can
still call :func:`register_all` (it skips ids an entry point already provides).

Items are a pure function of ``(seed, index, difficulty)``. reasoning-gym builds
item *i* of a dataset from the dataset's config seed (and some datasets precompute
per ``size``), so indices are split into blocks of :data:`BLOCK` items: block
``index // BLOCK`` is a dataset of size ``BLOCK`` whose config seed is a hash of
``(dataset, seed, difficulty, block)``, and the item is ``index % BLOCK`` of it.
Difficulty 1-10 sets every attribute of the dataset's reasoning-gym curriculum to
level ``difficulty - 1`` (capped at the attribute's top level; lowered while rg's own
config validation rejects the result, and capped by :data:`LEVEL_CAP` where rg's
generator fails or crawls at high levels), with rg's default inclusive ranges. The four
datasets without a curriculum, and ``knight_swap`` (whose curriculum fails its own
validation at every level), use the dataset's default config and ignore difficulty.

The reference holds the coordinates (dataset, config seed, size, item, difficulty),
a SHA-256 of the question and the gold answer (for people; scoring does not use it).
The verifier regenerates the entry (datasets cached per process), checks that the
question is the one the policy saw (a mismatch means a different reasoning-gym version
and is an ``error``), and calls ``score_answer`` on the regenerated entry. The gold
answer is not compared: some datasets (``word_ladder``) pick among equally good
answers in ``set`` iteration order, which varies with ``PYTHONHASHSEED`` from one
process to the next, while their scorers accept any of them. rg scorers may give partial credit;
the Score keeps it (status ``correct`` only at 1.0) unless ``partial_credit=False``.

Datasets left out of the catalogue (:data:`EXCLUDED`, 7 of 106): ``composite`` (a
mixture that needs other datasets named in its config); ``boxnet`` and ``rush_hour``,
whose gold ``answer`` is None (they check by simulation) and which store no example
solution, so no correct example response exists; and four whose questions come out
of ``set`` iteration order and so change with ``PYTHONHASHSEED`` -- item *i* made in
one process is not item *i* in another, which breaks regeneration by workers. Datasets whose gold ``answer`` is None but which store an example solution
(``graph_color``, ``rubiks_cube``, ``propositional_logic``) use it as the example.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from typing import Any

from m1env.env import SingleTurnEnv
from m1env.registry import EnvSpec, env_ids, register
from m1env.sources import Problem, TaskSource, check_difficulty
from m1env.verifiers import Score, Verifier
from m1env.verifiers.extract import last_tag

__all__ = [
    "BLOCK",
    "EXCLUDED",
    "LEVEL_CAP",
    "RG_VERSION",
    "SLOW",
    "ReasoningGymEnv",
    "ReasoningGymSource",
    "ReasoningGymVerifier",
    "dataset_names",
    "entry",
    "env_id",
    "example_answer",
    "register_all",
    "spec_for",
]

RG_VERSION = "0.1.25"
BLOCK = 100
MAX_ANSWER_CHARS = 100_000
#: Datasets with no environment, and why.
EXCLUDED = {
    "composite": "a mixture configured with other datasets",
    "boxnet": "gold answer is None and no example solution is stored",
    "rush_hour": "gold answer is None and no example solution is stored",
    # Generated from set iteration order: item i changes with PYTHONHASHSEED, so another
    # process (a worker, the verifier) cannot regenerate it.
    "codeio": "questions depend on PYTHONHASHSEED",
    "isomorphic_strings": "questions depend on PYTHONHASHSEED",
    "polynomial_multiplication": "questions depend on PYTHONHASHSEED",
    "ransom_note": "questions depend on PYTHONHASHSEED",
}
#: The highest curriculum level used per dataset, where reasoning-gym's generator
#: fails or takes seconds per item above it (measured on 0.1.25, see docs/benchmarks.md).
LEVEL_CAP: dict[str, int] = {
    "jugs": 1,  # level 3 fails after 100 s ("Could not generate a puzzle"); level 2 crawls
    "rubiks_cube": 0,  # its stored example solution is only right for the 3x3 cube
}
#: Datasets whose generator takes seconds per item on a 2-core VM (sokoban about 8 s at
#: level 0; n_queens, knight_swap and game_of_life at higher levels). Their specs carry
#: the tag ``slow`` so that suites running ``check_env`` over every id can skip them.
SLOW = frozenset({"game_of_life", "knight_swap", "n_queens", "sokoban"})
#: Metadata keys where datasets that check by simulation keep an accepted answer.
_EXAMPLE_KEYS = ("possible_answer", "example_correct_answer", "example_answer")


def _rg() -> Any:
    try:
        import reasoning_gym
    except ImportError as exc:
        raise ImportError(
            "the reasoning-gym environments need the optional extra: "
            f"pip install 'm1env[rg]' (reasoning-gym=={RG_VERSION})"
        ) from exc
    return reasoning_gym


def dataset_names() -> list[str]:
    """Every reasoning-gym dataset that has an environment here, sorted."""
    from reasoning_gym.factory import DATASETS

    _rg()
    return sorted(name for name in DATASETS if name not in EXCLUDED)


def env_id(dataset: str) -> str:
    return f"m1env/rg-{dataset}-v0"


def _config_seed(dataset: str, seed: int, difficulty: int, block: int) -> int:
    digest = hashlib.sha256(f"rg:{dataset}:{seed}:{difficulty}:{block}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@lru_cache(maxsize=128)
def _dataset(dataset: str, difficulty: int, config_seed: int, size: int) -> Any:
    rg = _rg()
    from reasoning_gym.factory import DATASETS, create_curriculum, has_curriculum

    if dataset not in DATASETS or dataset in EXCLUDED:
        raise ValueError(f"unknown or excluded reasoning-gym dataset {dataset!r}")
    dataset_cls, _ = DATASETS[dataset]
    if not has_curriculum(dataset):
        return rg.create_dataset(dataset, seed=config_seed, size=size)
    curriculum = create_curriculum(dataset)
    # Some curricula's top levels fail their own config validation (rubiks_cube's
    # cube_size 7); step down until the configuration is valid.
    for level in range(min(difficulty - 1, LEVEL_CAP.get(dataset, 99)), -1, -1):
        for attr, definition in curriculum.attributes.items():
            curriculum.set_attr_level(attr, min(level, len(definition.levels) - 1))
        config = curriculum.generate_configuration({"seed": config_seed, "size": size})
        config = dataclasses.replace(config, seed=config_seed, size=size)
        try:
            if hasattr(config, "validate"):
                config.validate()
        except (AssertionError, ValueError):
            continue
        return dataset_cls(config=config)
    # knight_swap's curriculum fails its own validation at every level.
    return rg.create_dataset(dataset, seed=config_seed, size=size)


def entry(reference: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The dataset object and the entry a reference points to."""
    ds = _dataset(
        reference["dataset"], reference["difficulty"], reference["config_seed"], reference["size"]
    )
    return ds, ds[reference["item"]]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def example_answer(ds: Any, item: dict[str, Any]) -> str | None:
    """An answer the dataset's own scorer gives 1.0, or None if there is none."""
    candidates: list[Any] = [item.get("answer")]
    candidates += [item["metadata"].get(key) for key in _EXAMPLE_KEYS]
    for value in candidates:
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        if ds.score_answer(text, item) >= 1.0:
            return text
    return None


class ReasoningGymSource(TaskSource):
    """Unbounded items of one dataset; see the module docstring for the coordinates."""

    def __init__(self, dataset: str, seed: int = 0) -> None:
        self.dataset = dataset
        self.seed = int(seed)
        self.name = f"rg/{dataset}"

    def problem(self, index: int, difficulty: int) -> Problem:
        difficulty = check_difficulty(difficulty)
        block, item = divmod(index, BLOCK)
        reference: dict[str, Any] = {
            "dataset": self.dataset,
            "config_seed": _config_seed(self.dataset, self.seed, difficulty, block),
            "size": BLOCK,
            "item": item,
            "difficulty": difficulty,
        }
        ds, data = entry(reference)
        reference["question_sha256"] = _digest(data["question"])
        reference["answer"] = data["answer"]
        example = example_answer(ds, data)
        return Problem(
            question=data["question"],
            answer=json.loads(json.dumps(reference, default=str)),
            solution=None if example is None else f"<answer>{example}</answer>",
            metadata={"dataset": self.dataset, "rg_version": RG_VERSION},
        )


class ReasoningGymEnv(SingleTurnEnv):
    """One reasoning-gym dataset as a single-turn environment."""

    def __init__(self, dataset: str, seed: int = 0, **kwargs: Any) -> None:
        _rg()
        if dataset not in dataset_names():
            raise ValueError(f"unknown or excluded reasoning-gym dataset {dataset!r}")
        kwargs.setdefault("verifier", "rg")
        super().__init__(ReasoningGymSource(dataset, seed), **kwargs)


class ReasoningGymVerifier(Verifier):
    """Scores the last ``<answer>`` with the dataset's own ``score_answer``."""

    name = "rg"
    description = "reasoning-gym's own scorer for the dataset named in the reference"
    timeout = 30.0

    def validate_options(self, options: dict[str, Any]) -> dict[str, Any]:
        unknown = set(options) - {"partial_credit"}
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)} (known: partial_credit)")
        return options

    def check(
        self, response: str, reference: Any, *args: Any, partial_credit: bool = True, **options: Any
    ) -> Score:
        if not isinstance(reference, dict) or not {"dataset", "item"} <= reference.keys():
            return Score.error("reference is not a reasoning-gym reference")
        answer = last_tag(response)
        if answer is None:
            return Score.incorrect("no final answer: expected <answer>...</answer> tags")
        if len(answer) > MAX_ANSWER_CHARS:
            return Score.incorrect(f"answer is longer than {MAX_ANSWER_CHARS} characters")
        ds, data = entry(reference)
        if _digest(data["question"]) != reference.get("question_sha256"):
            return Score.error(
                f"the regenerated {reference['dataset']} item differs from the task's; is "
                f"reasoning-gym {RG_VERSION} installed?"
            )
        value = float(ds.score_answer(answer, data))
        value = min(1.0, max(0.0, value))
        if value >= 1.0:
            return Score.correct(dataset=reference["dataset"])
        reason = f"reasoning-gym's {reference['dataset']} scorer gave {value:g}"
        return Score.incorrect(reason, score=value if partial_credit else 0.0)


def spec_for(dataset: str) -> EnvSpec:
    return EnvSpec(
        id=env_id(dataset),
        entry_point=ReasoningGymEnv,
        verifier="rg",
        description=f"reasoning-gym {RG_VERSION} dataset {dataset}",
        kwargs={"dataset": dataset},
        tags=("rg", "logic", "slow") if dataset in SLOW else ("rg", "logic"),
    )


def register_all() -> list[str]:
    """Register every catalogue id from code (those no entry point provides yet)."""
    from m1env.verifiers import register_verifier, verifier_names

    if "rg" not in verifier_names():
        register_verifier("rg", ReasoningGymVerifier)
    known = set(env_ids())
    added = [env_id(name) for name in dataset_names() if env_id(name) not in known]
    for name in dataset_names():
        if env_id(name) in added:
            register(spec_for(name))
    return added


def __getattr__(attr: str) -> EnvSpec:
    """``SPEC_<dataset>``: what the plugin's entry points name."""
    if attr.startswith("SPEC_"):
        dataset = attr[len("SPEC_") :]
        if dataset in EXCLUDED:
            raise AttributeError(
                f"reasoning-gym dataset {dataset!r} is excluded: {EXCLUDED[dataset]}"
            )
        return spec_for(dataset)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
