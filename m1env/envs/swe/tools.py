"""The SWE-v0 tools: their OpenAI function schemas and the parsing of tool-call actions.

:data:`TOOLS` is the ``tools=`` list for an OpenAI-compatible server (vLLM included):
``bash``, ``view_file``, ``str_replace``, ``create_file``, ``run_tests``, ``submit``.

An action is an assistant message in OpenAI's function-calling format, as a dict or
its JSON text::

    {"role": "assistant", "content": "...", "tool_calls": [
        {"id": "call_1", "type": "function",
         "function": {"name": "view_file", "arguments": "{\\"path\\": \\"pkg/core.py\\"}"}}]}

Several calls in one message run in order (an error in one does not stop the next).
:func:`parse_action` checks the message and every call's arguments against the schemas
and raises :class:`ToolCallError` with a message meant for the agent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from m1env.errors import ToolCallError

__all__ = ["TOOLS", "TOOL_NAMES", "ToolCall", "ToolCallError", "parse_action", "tool_schemas"]

MAX_CALLS_PER_ACTION = 16


def _tool(
    name: str, description: str, props: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


_PATH = {"type": "string", "description": "path relative to the repository root"}

TOOLS: list[dict[str, Any]] = [
    _tool(
        "bash",
        "Run a bash command in the repository root (a sandbox: no network, limited time, "
        "memory and output). Returns the exit code, stdout and stderr.",
        {"command": {"type": "string", "description": "the bash command to run"}},
        ["command"],
    ),
    _tool(
        "view_file",
        "Show a file with line numbers (optionally only lines start_line..end_line, "
        "1-based, inclusive), or list a directory.",
        {
            "path": _PATH,
            "start_line": {"type": "integer", "minimum": 1},
            "end_line": {"type": "integer", "minimum": 1},
        },
        ["path"],
    ),
    _tool(
        "str_replace",
        "Replace the one exact occurrence of old_str in a file by new_str. Fails if "
        "old_str does not occur exactly once (whitespace counts).",
        {"path": _PATH, "old_str": {"type": "string"}, "new_str": {"type": "string"}},
        ["path", "old_str", "new_str"],
    ),
    _tool(
        "create_file",
        "Create a file with the given content (parent directories are created); an "
        "existing file is overwritten.",
        {"path": _PATH, "content": {"type": "string"}},
        ["path", "content"],
    ),
    _tool(
        "run_tests",
        "Run pytest. With `tests` (pytest node ids or test files), runs those on the "
        "repository as it is now; without, runs the task's failing tests the way the "
        "grader will (hidden test changes applied). Returns pass/fail per test.",
        {"tests": {"type": "array", "items": {"type": "string"}, "maxItems": 64}},
        [],
    ),
    _tool(
        "submit",
        "Finish: the changes to the repository are graded and the episode ends.",
        {},
        [],
    ),
]

TOOL_NAMES = tuple(t["function"]["name"] for t in TOOLS)
_SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "array": list,
}


def tool_schemas() -> list[dict[str, Any]]:
    """A fresh copy of :data:`TOOLS` (callers may mutate it)."""
    return json.loads(json.dumps(TOOLS))


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]

    def to_message(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": json.dumps(self.arguments)},
        }


def _check_arguments(name: str, args: Any) -> dict[str, Any]:
    schema = _SCHEMAS[name]
    if not isinstance(args, dict):
        raise ToolCallError(f"{name}: arguments must be a JSON object")
    props: dict[str, Any] = schema["properties"]
    unknown = sorted(set(args) - set(props))
    if unknown:
        raise ToolCallError(f"{name}: unknown argument(s) {unknown}; expected {sorted(props)}")
    missing = [k for k in schema["required"] if k not in args]
    if missing:
        raise ToolCallError(f"{name}: missing argument(s) {missing}")
    for key, value in args.items():
        spec = props[key]
        want = _TYPES[spec["type"]]
        if isinstance(value, bool) or not isinstance(value, want):
            raise ToolCallError(f"{name}: argument {key!r} must be a {spec['type']}")
        if spec["type"] == "integer" and value < spec.get("minimum", value):
            raise ToolCallError(f"{name}: argument {key!r} must be >= {spec['minimum']}")
        if isinstance(value, list):
            if len(value) > spec.get("maxItems", len(value)):
                raise ToolCallError(f"{name}: at most {spec['maxItems']} items in {key!r}")
            if not all(isinstance(v, str) for v in value):
                raise ToolCallError(f"{name}: {key!r} must be a list of strings")
    return dict(args)


def _parse_call(raw: Any, number: int) -> ToolCall:
    if not isinstance(raw, dict):
        raise ToolCallError(f"tool_calls[{number}] must be an object")
    call_id = raw.get("id") or f"call_{number}"
    if not isinstance(call_id, str):
        raise ToolCallError(f"tool_calls[{number}].id must be a string")
    if raw.get("type", "function") != "function":
        raise ToolCallError(f"tool_calls[{number}].type must be 'function'")
    function = raw.get("function")
    if not isinstance(function, dict):
        raise ToolCallError(f"tool_calls[{number}].function must be an object with name, arguments")
    name = function.get("name")
    if not isinstance(name, str) or name not in _SCHEMAS:
        raise ToolCallError(f"unknown tool {name!r}; the tools are {list(TOOL_NAMES)}")
    args = function.get("arguments", "{}")
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as exc:
            raise ToolCallError(f"{name}: arguments are not valid JSON: {exc}") from None
    return ToolCall(call_id, name, _check_arguments(name, args))


def parse_action(action: Any) -> tuple[dict[str, Any], list[ToolCall]]:
    """The assistant message (normalised) and its tool calls; raises ToolCallError."""
    if isinstance(action, str):
        text = action.strip()
        if not text:
            raise ToolCallError("empty action: call one of the tools " + ", ".join(TOOL_NAMES))
        try:
            action = json.loads(text)
        except json.JSONDecodeError:
            raise ToolCallError(
                "the action is not a tool call: send an assistant message with tool_calls "
                "(OpenAI function-calling format)"
            ) from None
    if not isinstance(action, dict):
        raise ToolCallError("the action must be an assistant message object with tool_calls")
    if action.get("role", "assistant") != "assistant":
        raise ToolCallError("the action must be an assistant message (role 'assistant')")
    raw_calls = action.get("tool_calls")
    if not isinstance(raw_calls, list) or not raw_calls:
        raise ToolCallError("the message has no tool_calls; call one of " + ", ".join(TOOL_NAMES))
    if len(raw_calls) > MAX_CALLS_PER_ACTION:
        raise ToolCallError(f"at most {MAX_CALLS_PER_ACTION} tool calls per message")
    calls = [_parse_call(raw, i) for i, raw in enumerate(raw_calls)]
    content = action.get("content")
    message = {
        "role": "assistant",
        "content": content if isinstance(content, str) else "",
        "tool_calls": [c.to_message() for c in calls],
    }
    return message, calls
