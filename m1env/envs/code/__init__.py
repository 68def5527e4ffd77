"""Competitive-programming environment ``m1env/Code-v0`` and its dataset loader."""

from m1env.envs.code.dataset import BUNDLED, CodeProblem, load_problems, row_to_problem
from m1env.envs.code.env import SPEC, CodeEnv

__all__ = ["BUNDLED", "SPEC", "CodeEnv", "CodeProblem", "load_problems", "row_to_problem"]
