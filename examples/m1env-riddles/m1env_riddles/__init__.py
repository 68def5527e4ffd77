"""An example m1env plugin: ``riddles/Riddles-v0`` scored by ``riddles/alias``."""

from m1env_riddles.env import SPEC, RiddlesEnv
from m1env_riddles.verifier import AliasVerifier

__all__ = ["SPEC", "AliasVerifier", "RiddlesEnv"]
