"""``m1env/SWE-v0``: multi-turn software-engineering episodes (tools in a sandbox, graded
by the repository's tests). :data:`TOOLS` is the OpenAI ``tools=`` list for the policy."""

from m1env.envs.swe.env import BUNDLED, SPEC, SWEConfig, SWEEnv
from m1env.envs.swe.tools import TOOLS, ToolCall, ToolCallError, parse_action, tool_schemas
from m1env.envs.swe.workspace import Workspace, WorkspacePathError

__all__ = [
    "BUNDLED",
    "SPEC",
    "TOOLS",
    "SWEConfig",
    "SWEEnv",
    "ToolCall",
    "ToolCallError",
    "Workspace",
    "WorkspacePathError",
    "parse_action",
    "tool_schemas",
]
