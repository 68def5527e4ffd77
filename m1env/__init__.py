"""m1env: environments, verifiers and rewards for reinforcement learning on reasoning.

Quick start::

    import m1env
    env = m1env.make("m1env/Math-v0")       # or gymnasium.make after `import m1env`
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("... \\\\boxed{42}")
    info["score"]                            # Score(score=..., status=..., reason=...)
"""

from m1env.checker import check_env
from m1env.env import MultiTurnEnv, SingleTurnEnv, TaskEnv, Turn
from m1env.errors import (
    DuplicateEnvironmentError,
    EnvCheckError,
    M1EnvError,
    RegistryError,
    StoreError,
    TaskError,
    UnknownEnvironmentError,
)
from m1env.registry import ENTRY_POINT_GROUP, EnvSpec, env_ids, make, register, spec, specs
from m1env.sources import DatasetSource, Generator, Problem, ProceduralSource, TaskSource, item_rng
from m1env.spaces import UnicodeText
from m1env.task import Message, Task, user_prompt
from m1env.verifiers import Score, Verifier, get_verifier, verifier_names, verify

__version__ = "0.1.0"

__all__ = [
    "ENTRY_POINT_GROUP",
    "DatasetSource",
    "DuplicateEnvironmentError",
    "EnvCheckError",
    "EnvSpec",
    "Generator",
    "M1EnvError",
    "Message",
    "MultiTurnEnv",
    "Problem",
    "ProceduralSource",
    "RegistryError",
    "Score",
    "SingleTurnEnv",
    "StoreError",
    "Task",
    "TaskEnv",
    "TaskError",
    "TaskSource",
    "Turn",
    "UnicodeText",
    "UnknownEnvironmentError",
    "Verifier",
    "__version__",
    "check_env",
    "env_ids",
    "get_verifier",
    "item_rng",
    "make",
    "register",
    "spec",
    "specs",
    "user_prompt",
    "verifier_names",
    "verify",
]

# Make every installed environment id visible to gymnasium.make (metadata only).
from m1env.registry import _discover

_discover()
del _discover
