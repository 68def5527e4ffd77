"""Logic-puzzle environments (SynLogic-style families). See ``base.py`` for the contract."""

from m1env.envs.logic.base import (
    FAMILIES,
    Family,
    FamilyConfig,
    LogicEnv,
    LogicVerifier,
    Puzzle,
    generate_problem,
    load_family,
    register_family,
)

__all__ = [
    "FAMILIES",
    "Family",
    "FamilyConfig",
    "LogicEnv",
    "LogicVerifier",
    "Puzzle",
    "generate_problem",
    "load_family",
    "register_family",
]
