"""Generative reward model: an LLM judge over OpenAI-compatible servers, online
length-bias monitoring and recalibration (MiniMax-M1, section on GenRMs).

Depends on :mod:`m1env.verifiers` (for Score) and :mod:`m1env.llm` (the OpenAI-compatible
client), never on m1env's core, store, queue, service or CLI.
"""

from m1env.errors import (
    GRMError,
    JudgeError,
    JudgeHTTPError,
    JudgeTimeout,
    TemplateError,
    VerdictParseError,
)
from m1env.grm.cache import JudgeCache, cache_key
from m1env.grm.chat import CallableChat, ChatBackend, Completion, OpenAIChat
from m1env.grm.judge import Judge, JudgeCall, JudgeConfig, Preference
from m1env.grm.monitor import Monitor, MonitorConfig, Observation, Reading, within_group_corr
from m1env.grm.parse import parse_preference, parse_score
from m1env.grm.recalibrate import (
    REMEDIES,
    CalibrationPair,
    LengthDebias,
    Reanchor,
    Recalibration,
    Recalibrator,
    Remedy,
    SwitchTemplate,
    within_group_slope,
)
from m1env.grm.templates import Template, available_templates, load_template

__all__ = [
    "REMEDIES",
    "CalibrationPair",
    "CallableChat",
    "ChatBackend",
    "Completion",
    "GRMError",
    "Judge",
    "JudgeCache",
    "JudgeCall",
    "JudgeConfig",
    "JudgeError",
    "JudgeHTTPError",
    "JudgeTimeout",
    "LengthDebias",
    "Monitor",
    "MonitorConfig",
    "Observation",
    "OpenAIChat",
    "Preference",
    "Reading",
    "Reanchor",
    "Recalibration",
    "Recalibrator",
    "Remedy",
    "SwitchTemplate",
    "Template",
    "TemplateError",
    "VerdictParseError",
    "available_templates",
    "cache_key",
    "load_template",
    "parse_preference",
    "parse_score",
    "within_group_corr",
    "within_group_slope",
]
