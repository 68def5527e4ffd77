"""The trainer's exceptions. Every error the trainer raises on purpose is one of these::

TrainerError
├── ConfigError       (also a ValueError) a setting is out of range or inconsistent
├── RolloutError      rollouts could not be produced or scored (server down, bad reply)
└── CheckpointError   a checkpoint is missing, partial or does not match the run
"""

from __future__ import annotations

__all__ = ["CheckpointError", "ConfigError", "RolloutError", "TrainerError"]


class TrainerError(Exception):
    """Base class of the trainer's errors."""


class ConfigError(TrainerError, ValueError):
    """A configuration value is invalid; the message names the field."""


class RolloutError(TrainerError):
    """Rollouts could not be produced or scored."""


class CheckpointError(TrainerError):
    """A checkpoint cannot be written or read back."""
