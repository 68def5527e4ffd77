"""Rollouts: sample tasks from a weighted mixture, draw G completions each, score them.

* :class:`TaskSampler` picks an environment by weight, then a task of it by index. Training
  and evaluation draw from different ``split``/index ranges so held-out seeds stay unseen.
* A rollout *engine* turns prompts into completions with token ids and per-token log-probs:
  :class:`LocalEngine` runs the bundled policy in-process (:func:`m1env.policy.generate`, with M1's
  repetition early stop); :class:`OpenAIEngine` calls any OpenAI-compatible server's
  ``/v1/chat/completions`` (vLLM, ``m1env policy serve``) through :class:`m1env.llm.OpenAIClient`
  and re-derives token ids with the byte tokenizer. Both return :class:`m1env.llm.Completion`.
* :func:`collect_groups` scores every completion with its environment's verifier
  (``env.score(response, task)``), applies DAPO's soft overlong punishment if asked, and, with
  dynamic sampling, drops groups whose rewards are all equal and generates more until the batch
  is full or ``max_refills`` extra rounds are spent.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from m1env.env import TaskEnv
from m1env.errors import LLMError, RolloutError
from m1env.llm import Completion, OpenAIClient
from m1env.policy import ByteTokenizer, GenerationConfig, HybridMoEForCausalLM, generate
from m1env.policy.generation import encode_prompt
from m1env.registry import make
from m1env.task import Task
from m1env.trainer.config import EnvWeight
from m1env.trainer.scoring import LocalScorer, ScoreItem, Scorer
from m1env.verifiers import Score

__all__ = [
    "Completion",
    "Engine",
    "Group",
    "LocalEngine",
    "OpenAIEngine",
    "Rollout",
    "TaskSampler",
    "build_env",
    "collect_groups",
    "score_completions",
]

EVAL_INDEX_BASE = 1 << 40  # evaluation indices start here; training draws below it


def build_env(entry: EnvWeight) -> TaskEnv:
    """The environment of one mixture entry, built without gymnasium wrappers."""
    env = make(entry.id, **entry.kwargs).unwrapped  # through gymnasium, so env.spec.id is set
    if not isinstance(env, TaskEnv):
        raise RolloutError(f"{entry.id} is not a single-turn m1env task environment")
    return env


class Engine(Protocol):
    """Produces one completion per prompt."""

    def complete(
        self, prompts: Sequence[list[dict[str, str]]], config: GenerationConfig
    ) -> list[Completion]: ...

    def prompt_ids(self, prompt: list[dict[str, str]]) -> list[int]: ...


class LocalEngine:
    """The bundled policy, in this process."""

    def __init__(self, model: HybridMoEForCausalLM, tokenizer: ByteTokenizer) -> None:
        self.model, self.tokenizer = model, tokenizer

    def prompt_ids(self, prompt: list[dict[str, str]]) -> list[int]:
        return encode_prompt(self.tokenizer, prompt)

    def complete(
        self, prompts: Sequence[list[dict[str, str]]], config: GenerationConfig
    ) -> list[Completion]:
        gens = generate(self.model, self.tokenizer, list(prompts), config)
        return [
            Completion(
                text=g.text,
                finish_reason=g.finish_reason,
                token_ids=g.token_ids,
                logprobs=g.logprobs,
            )
            for g in gens
        ]


class OpenAIEngine:
    """Any OpenAI-compatible server's ``/v1/chat/completions`` (vLLM, ``m1env policy serve``).

    One request per prompt, ``workers`` in flight, through one :class:`~m1env.llm.OpenAIClient`
    (retries with back-off; ``timeout`` bounds each request, its retries included). Token ids are
    re-derived from the returned text with the byte tokenizer (exact for byte-level models such
    as the bundled one); the per-token log-probs come from ``logprobs.content`` when the server
    returns them and match the ids in length, else they are NaN (the trainer recomputes old
    log-probs by default). Every failure is a :class:`~m1env.errors.RolloutError`.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        timeout: float = 120.0,
        workers: int = 8,
        max_retries: int = 3,
        api_key: str | None = None,
    ) -> None:
        self.url = base_url.rstrip("/")
        if not self.url.endswith("/v1"):
            self.url += "/v1"
        self.timeout, self.workers = timeout, workers
        self.client = OpenAIClient(
            self.url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=workers,
        )
        self.tokenizer = ByteTokenizer()
        self.model = model or self._first_model()

    def _first_model(self) -> str:
        """The first id of ``GET /v1/models`` (what a server with one model serves)."""
        try:
            models = self.client.models()
        except LLMError as exc:
            raise RolloutError(f"rollout server failed: {exc}") from exc
        if not models:
            raise RolloutError(f"{self.url}/models lists no model; pass the model name")
        return models[0]

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def prompt_ids(self, prompt: list[dict[str, str]]) -> list[int]:
        return encode_prompt(self.tokenizer, prompt)

    def complete(
        self, prompts: Sequence[list[dict[str, str]]], config: GenerationConfig
    ) -> list[Completion]:
        def one(i_prompt: tuple[int, list[dict[str, str]]]) -> Completion:
            i, prompt = i_prompt
            try:
                reply = self.client.chat(
                    prompt,
                    model=self.model,
                    max_tokens=config.max_new_tokens,
                    temperature=config.temperature,
                    top_p=config.top_p,
                    logprobs=True,
                    seed=None if config.seed is None else config.seed + i,
                )
            except LLMError as exc:
                raise RolloutError(f"rollout server failed: {exc}") from exc
            reason = reply.finish_reason or "length"
            ids = self.tokenizer.encode(reply.text)
            if reason == "stop":  # the stop token was sampled too; the trainer must see it
                ids.append(self.tokenizer.im_end_id)
            lps = reply.logprobs[: len(ids)]
            if len(lps) == len(ids) - 1 and reason == "stop":
                lps.append(float("nan"))  # servers do not report the stop token's log-prob
            if len(lps) != len(ids):
                lps = [float("nan")] * len(ids)
            return replace(reply, finish_reason=reason, token_ids=ids, logprobs=lps)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(one, enumerate(prompts)))


class TaskSampler:
    """Weighted mixture of environments; tasks by index, reproducible from ``seed``."""

    def __init__(self, envs: Sequence[EnvWeight], *, seed: int, held_out: bool = False) -> None:
        self.entries = list(envs)
        self.envs = [build_env(e) for e in self.entries]
        self.rng = random.Random(seed)
        self.held_out = held_out
        # Entries may share an env id (e.g. two difficulties of one env); only then must a task
        # remember which entry made it (by task id: ids include the source and index).
        ids = [e.id for e in self.entries]
        self._ambiguous = {i for i in ids if ids.count(i) > 1}
        self._owner: dict[str, int] = {}

    def env_of(self, task: Task) -> TaskEnv:
        if task.id in self._owner:
            return self.envs[self._owner[task.id]]
        for entry, env in zip(self.entries, self.envs, strict=True):
            if entry.id == task.env:
                return env
        raise RolloutError(f"task {task.id} is from {task.env}, which is not in the mixture")

    def sample(self, step: int = 0) -> Task:
        """A task from the entries active at ``step`` (their ``from_step <= step``), by weight."""
        active = [i for i, e in enumerate(self.entries) if e.from_step <= step] or [0]
        i = self.rng.choices(active, weights=[self.entries[i].weight for i in active])[0]
        return self.task(i, self.rng.randrange(EVAL_INDEX_BASE))

    def task(self, env_index: int, index: int) -> Task:
        entry, env = self.entries[env_index], self.envs[env_index]
        difficulty = entry.difficulty if entry.difficulty is not None else env.difficulty
        task = env.make_task(index + (EVAL_INDEX_BASE if self.held_out else 0), difficulty)
        if entry.id in self._ambiguous:
            self._owner[task.id] = env_index
        return task


@dataclass
class Rollout:
    task: Task
    prompt_ids: list[int]
    completion: Completion
    score: Score
    reward: float


@dataclass
class Group:
    """G rollouts of one task."""

    rollouts: list[Rollout]

    @property
    def rewards(self) -> list[float]:
        return [r.reward for r in self.rollouts]


@dataclass
class CollectStats:
    generated: int = 0  # completions generated (all rounds)
    groups_seen: int = 0
    groups_dropped: int = 0  # zero-variance groups dropped by dynamic sampling
    rounds: int = 0
    all_rollouts: list[Rollout] = field(default_factory=list)


def score_completions(
    sampler: TaskSampler,
    tasks: Sequence[Task],
    prompt_ids: Sequence[list[int]],
    completions: Sequence[Completion],
    *,
    error_reward: float = 0.0,
    max_new_tokens: int | None = None,
    overlong_buffer: int = 0,
    overlong_penalty: float = 1.0,
    scorer: Scorer | None = None,
) -> list[Rollout]:
    """Score each completion with its task's verifier (through ``scorer``, by default in this
    process); shape the reward if asked."""
    items = [
        ScoreItem(sampler.env_of(t), t, c.text) for t, c in zip(tasks, completions, strict=True)
    ]
    scores = (scorer or LocalScorer()).score(items)
    if len(scores) != len(items):
        raise RolloutError(f"the scorer returned {len(scores)} scores for {len(items)} items")
    out = []
    for task, ids, comp, score in zip(tasks, prompt_ids, completions, scores, strict=True):
        reward = error_reward if score.status == "error" else float(score.score)
        if overlong_buffer and max_new_tokens is not None:
            # DAPO eq. 13: linear penalty over the last `overlong_buffer` tokens of the window
            excess = len(comp.token_ids) - (max_new_tokens - overlong_buffer)
            if excess > 0:
                reward -= overlong_penalty * min(1.0, excess / overlong_buffer)
        out.append(Rollout(task, ids, comp, score, reward))
    return out


def collect_groups(
    engine: Engine,
    sampler: TaskSampler,
    *,
    prompts: int,
    group_size: int,
    config: GenerationConfig,
    dynamic_sampling: bool = True,
    max_refills: int = 4,
    error_reward: float = 0.0,
    overlong_buffer: int = 0,
    overlong_penalty: float = 1.0,
    step: int = 0,
    scorer: Scorer | None = None,
    group_offset: int | None = None,
    task_seed: str = "",
) -> tuple[list[Group], CollectStats]:
    """``prompts`` groups of ``group_size`` scored rollouts (fewer only if refills run out).

    With ``group_offset`` (shard-invariant sampling, no dynamic sampling), group ``j`` of the
    global batch (``group_offset <= j < group_offset + prompts``) draws its task from
    ``f"{task_seed}:g{j}"`` and its completions in a generation call of its own seeded
    ``config.seed + 1009 * j``: the same groups whichever rank, or one process, makes them.
    """
    score_kw: dict[str, Any] = {
        "error_reward": error_reward,
        "max_new_tokens": config.max_new_tokens,
        "overlong_buffer": overlong_buffer,
        "overlong_penalty": overlong_penalty,
        "scorer": scorer,
    }
    stats = CollectStats()
    if group_offset is not None:
        if dynamic_sampling:
            raise RolloutError("shard-invariant sampling cannot refill groups (dynamic sampling)")
        flat_tasks, comps = [], []
        for j in range(group_offset, group_offset + prompts):
            sampler.rng.seed(f"{task_seed}:g{j}")
            task = sampler.sample(step)
            gcfg = replace(config, seed=None if config.seed is None else config.seed + 1009 * j)
            flat_tasks += [task] * group_size
            comps += engine.complete([task.prompt] * group_size, gcfg)
        ids = [engine.prompt_ids(t.prompt) for t in flat_tasks]
        rollouts = score_completions(sampler, flat_tasks, ids, comps, **score_kw)
        stats.rounds, stats.generated, stats.groups_seen = 1, len(rollouts), prompts
        stats.all_rollouts = rollouts
        kept = [Group(rollouts[g * group_size : (g + 1) * group_size]) for g in range(prompts)]
        return kept, stats
    kept = []
    seed = config.seed
    while len(kept) < prompts and stats.rounds <= (max_refills if dynamic_sampling else 0):
        need = prompts - len(kept)
        tasks = [sampler.sample(step) for _ in range(need)]
        flat_tasks = [t for t in tasks for _ in range(group_size)]
        ids = [engine.prompt_ids(t.prompt) for t in flat_tasks]
        round_cfg = replace(config, seed=None if seed is None else seed + stats.rounds)
        comps = engine.complete([t.prompt for t in flat_tasks], round_cfg)
        rollouts = score_completions(sampler, flat_tasks, ids, comps, **score_kw)
        stats.rounds += 1
        stats.generated += len(rollouts)
        stats.all_rollouts.extend(rollouts)
        for g in range(need):
            group = Group(rollouts[g * group_size : (g + 1) * group_size])
            stats.groups_seen += 1
            if dynamic_sampling and len(set(group.rewards)) == 1:
                stats.groups_dropped += 1
                continue
            kept.append(group)
    return kept[:prompts], stats
