"""The Task contract: ``{id, env, prompt, reference, metadata}``, JSON-serialisable.

``prompt`` is a list of chat messages (``{"role": ..., "content": ...}``); ``reference``
is whatever the environment's verifier takes (trusted); ``metadata`` holds at least
``difficulty``, ``source`` and ``seed`` where they apply. Procedural tasks are pure
functions of ``(seed, index, difficulty)`` so any worker can regenerate item *i*.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from m1env.errors import TaskError

__all__ = ["ROLES", "Message", "Task", "user_prompt"]

Message = dict[str, str]
ROLES = frozenset({"system", "user", "assistant", "tool"})


def user_prompt(content: str, system: str | None = None) -> list[Message]:
    """A chat prompt of one user message, optionally after a system message."""
    messages: list[Message] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": content})
    return messages


def _check_messages(prompt: Any) -> list[Message]:
    if isinstance(prompt, str):
        return user_prompt(prompt)
    if not isinstance(prompt, list) or not prompt:
        raise TaskError("prompt must be a non-empty list of chat messages (or a string)")
    messages: list[Message] = []
    for i, message in enumerate(prompt):
        if not isinstance(message, dict):
            raise TaskError(f"prompt[{i}] must be an object, got {type(message).__name__}")
        role, content = message.get("role"), message.get("content")
        if role not in ROLES:
            raise TaskError(f"prompt[{i}].role must be one of {sorted(ROLES)}, got {role!r}")
        if not isinstance(content, str):
            raise TaskError(f"prompt[{i}].content must be a string")
        messages.append(dict(message))
    return messages


@dataclass(frozen=True)
class Task:
    """One problem: what the policy sees and what the verifier needs to score it."""

    id: str
    env: str
    prompt: list[Message]
    reference: Any
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise TaskError("task id must be a non-empty string")
        if not isinstance(self.env, str) or not self.env:
            raise TaskError("task env must be a non-empty string")
        object.__setattr__(self, "prompt", _check_messages(self.prompt))
        if not isinstance(self.metadata, dict):
            raise TaskError("task metadata must be an object")
        try:
            json.dumps([self.reference, self.metadata], allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise TaskError(f"task {self.id!r} is not JSON-serialisable: {exc}") from exc

    @property
    def question(self) -> str:
        """The content of the last user message."""
        return next(m["content"] for m in reversed(self.prompt) if m["role"] == "user")

    def to_dict(self) -> dict[str, Any]:
        # Deep-copied through JSON so callers can never mutate the task through it.
        data: dict[str, Any] = json.loads(self.to_json())
        return data

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "env": self.env,
                "prompt": self.prompt,
                "reference": self.reference,
                "metadata": self.metadata,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_dict(cls, data: Any) -> Task:
        if not isinstance(data, dict):
            raise TaskError(f"a task is a JSON object, got {type(data).__name__}")
        missing = [k for k in ("id", "env", "prompt", "reference") if k not in data]
        if missing:
            raise TaskError(f"task is missing {missing}")
        return cls(
            id=data["id"],
            env=data["env"],
            prompt=data["prompt"],
            reference=data["reference"],
            metadata=dict(data.get("metadata") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Task:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TaskError(f"task is not valid JSON: {exc}") from exc
        return cls.from_dict(data)
