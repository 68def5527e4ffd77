"""Exceptions raised by :mod:`policy`.

Hierarchy::

    PolicyError                      base of everything raised on purpose here
    ├── ConfigError (ValueError)     a config field or argument is invalid
    ├── ShapeError (ValueError)      a tensor has the wrong shape, dtype or device
    ├── TokenizerError (ValueError)  text or ids the tokenizer cannot handle
    ├── CheckpointError              a checkpoint is missing, unreadable or mismatched
    ├── ConversionError              a Hugging Face model cannot be converted
    └── GenerationError              a generation request cannot be served
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "ConfigError",
    "ConversionError",
    "GenerationError",
    "PolicyError",
    "ShapeError",
    "TokenizerError",
]


class PolicyError(Exception):
    """Base class of every error raised on purpose by the policy package."""


class ConfigError(PolicyError, ValueError):
    """A configuration field or function argument is invalid."""


class ShapeError(PolicyError, ValueError):
    """A tensor argument has the wrong shape, dtype or device."""


class TokenizerError(PolicyError, ValueError):
    """Text or token ids that the tokenizer cannot handle."""


class CheckpointError(PolicyError):
    """A checkpoint is missing, unreadable, or does not match its config."""


class ConversionError(PolicyError):
    """A Hugging Face model cannot be converted into a policy model."""


class GenerationError(PolicyError):
    """A generation request cannot be served."""
