"""``m1env/SWE-v0``: an agent fixes an issue in a real repository with tools, graded by tests.

Each episode is one SWE-bench-style instance (:mod:`m1env.verifiers.swe`; the bundled set by
default, or ``path=`` a JSON/JSONL task file). ``reset`` lays the repository out in a
fresh :class:`~m1env.envs.swe.workspace.Workspace` and returns the problem statement;
each ``step`` takes an assistant message with OpenAI ``tool_calls`` (a dict or its
JSON text; :mod:`m1env.envs.swe.tools`, whose :data:`TOOLS` is the ``tools=`` list to
give the policy's server) and returns the tool results. Chat records go to
``info["messages"]`` at reset and ``env.messages``: the assistant message with its
``tool_calls``, then one ``{"role": "tool", "tool_call_id", "content"}`` per call.

Tools run against the workspace: ``bash`` and ``run_tests`` in the task's environment
(:func:`m1env.verifiers.swe.environment.task_environment`, built by the sandbox at
``reset``, out of the episode's time budget: on bwrap by default, ``backend="docker"``
for the task's image) with the workspace mounted read-write at ``/repo``; ``view_file``, ``str_replace`` and ``create_file`` on the host, confined to
the workspace. Limits (:class:`SWEConfig`): per step, wall/CPU seconds, memory and
observation bytes; per episode, ``max_steps`` and ``max_episode_s`` of wall time.

Episode end:

* ``submit`` -> ``terminated``: the workspace's git diff against the base is graded by
  :func:`m1env.verifiers.swe.grade.grade` (test files restored, hidden tests applied);
  reward = ``info["score"].score``; ``info["patch"]`` and ``info["prediction"]``
  (SWE-bench's prediction record) carry the diff.
* the step limit or the time limit -> ``truncated`` (``terminated`` False,
  ``info["truncated_by"]`` says which). By default the episode scores 0 (``incorrect``,
  "not submitted"): an agent that never submits is not rewarded for work it did not
  stand behind, and no grading cost is paid for it. ``grade_on_truncation=True``
  grades the diff instead, as harnesses that auto-submit do.
* a malformed action (not a tool call, unknown tool, bad arguments) counts as a step
  and is answered with an error observation.

Workspaces are removed on ``reset`` (the previous one) and ``close``; a pickled copy
carries no workspace (it must be reset).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, SupportsFloat

from m1env import sandbox
from m1env.env import MultiTurnEnv, Turn
from m1env.envs.swe.tools import TOOLS, ToolCall, ToolCallError, parse_action, tool_schemas
from m1env.envs.swe.workspace import MOUNT_POINT, Workspace, WorkspaceError, WorkspacePathError
from m1env.errors import SWEError
from m1env.registry import EnvSpec
from m1env.sandbox.registry import PREFERENCE
from m1env.sources import DatasetSource, Problem
from m1env.task import Task
from m1env.verifiers import Score
from m1env.verifiers.swe import GradeLimits, SWEInstance, load_instances
from m1env.verifiers.swe.environment import task_environment
from m1env.verifiers.swe.grade import grade, prepare_tree, run_pytest

__all__ = ["BUNDLED", "SPEC", "TOOLS", "SWEConfig", "SWEEnv", "tool_schemas"]

BUNDLED = str(Path(__file__).resolve().parents[2] / "data" / "swe" / "tasks.jsonl")

INSTRUCTIONS = (
    "You are working in the repository {repo} (checked out at {root}). Fix the issue "
    "below by editing the source code. Use the tools: bash, view_file, str_replace, "
    "create_file, run_tests; call submit when you are done. Your changes are graded by "
    "the repository's tests, including tests you cannot see; changes to test files are "
    "discarded.\n\n<issue>\n{statement}\n</issue>"
)


@dataclass(frozen=True)
class SWEConfig:
    """Limits and behaviour of SWE-v0 episodes (numbers positive; validated).

    Per step: ``step_wall_s``/``step_cpu_s``/``step_memory_mb`` bound each sandboxed
    command, ``step_output_bytes`` each observation. Per episode: ``max_steps`` actions
    and ``max_episode_s`` seconds -- by default the time the environment spends on the
    agent's actions (tools), not the policy's generation time between steps, which
    depends on the serving load; ``count_agent_time=True`` charges the wall clock since
    ``reset`` instead. A command never runs past what is left of the budget.
    ``grade_wall_s`` bounds the test run at submit. ``max_workspace_mb`` caps what the
    agent's commands may leave in the workspace (it lives on the host's disk): past it
    the episode is truncated ("workspace size limit"). ``backend``: ``bwrap`` (default
    where available), ``docker`` or ``process``; ``image_prefix`` names docker images.
    """

    max_steps: int = 30
    max_episode_s: float = 900.0
    step_wall_s: float = 60.0
    step_cpu_s: float = 60.0
    step_memory_mb: int = 1024
    step_output_bytes: int = 16_384
    grade_wall_s: float = 120.0
    max_workspace_mb: int = 512
    grade_on_truncation: bool = False
    count_agent_time: bool = False
    backend: str | None = None
    image_prefix: str = "m1env-swe"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("grade_on_truncation", "count_agent_time"):
                if not isinstance(value, bool):
                    raise ValueError(f"{f.name} must be true or false")
            elif f.name == "image_prefix":
                if (
                    not isinstance(value, str)
                    or not value.replace("-", "").isalnum()
                    or value != value.lower()
                ):
                    raise ValueError(
                        f"image_prefix must be lowercase letters, digits and -, got {value!r}"
                    )
            elif f.name == "backend":
                if value is not None and value not in PREFERENCE:
                    raise ValueError(f"backend must be one of {list(PREFERENCE)}, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"SWEConfig.{f.name} must be a positive number, got {value!r}")
        for name in ("max_steps", "step_memory_mb", "step_output_bytes", "max_workspace_mb"):
            if not isinstance(getattr(self, name), int):
                raise ValueError(f"SWEConfig.{name} must be an integer")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


class SWEEnv(MultiTurnEnv):
    """Multi-turn SWE environment; see the module docstring."""

    answer_instruction = ""

    def __init__(
        self,
        *,
        verifier: str = "swe",
        path: str | Path = BUNDLED,
        config: SWEConfig | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(config, dict):
            config = SWEConfig(**config)
        self.config = config or SWEConfig()
        instances = load_instances(path)
        if not instances:
            raise ValueError(f"no SWE instances in {path}")
        self.instances = {inst.instance_id: inst for inst in instances}
        problems = [self._problem(inst) for inst in instances]
        name = "bundled" if str(path) == BUNDLED else Path(path).stem
        kwargs.setdefault("max_turns", self.config.max_steps)
        super().__init__(DatasetSource(problems, name=name), verifier=verifier, **kwargs)
        self.tools = tool_schemas()
        self.workspace: Workspace | None = None
        self.instance: SWEInstance | None = None
        self.started = 0.0
        self.step_started = 0.0
        self.tool_seconds = 0.0
        self.oversized = False
        self._environment: sandbox.PreparedEnvironment | None = None
        self._environment_error: sandbox.SandboxError | None = None

    @staticmethod
    def _problem(inst: SWEInstance) -> Problem:
        question = INSTRUCTIONS.format(
            repo=inst.repo, root=MOUNT_POINT, statement=inst.problem_statement.strip()
        )
        return Problem(
            question=question,
            answer=inst.to_dict(),
            metadata={"instance_id": inst.instance_id, "repo": inst.repo},
        )

    # -- lifecycle ----------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # The workspace belongs to this object; a copy must reset to get its own.
        state.update(
            workspace=None, task=None, instance=None, _environment=None, _environment_error=None
        )
        return state

    def _drop_workspace(self) -> None:
        if self.workspace is not None:
            if self._environment is not None:
                # docker: the container pre-started for the episode's next step.
                self._environment.backend.forget_mounts(str(self.workspace.work))
            self.workspace.cleanup()
            self.workspace = None

    def close(self) -> None:
        self._drop_workspace()
        super().close()

    def __del__(self) -> None:
        workspace = self.__dict__.get("workspace")
        if workspace is not None:
            workspace.cleanup()

    def begin(self, task: Task) -> str:
        self._drop_workspace()
        self.instance = SWEInstance.from_dict(task.reference)
        self._environment = None
        self._environment_error = None
        self.workspace = Workspace(self.instance.files)
        self.started = time.monotonic()
        self.tool_seconds = 0.0
        self.oversized = False
        try:
            # Built here, not charged to the episode's time budget.
            environment = self.environment()
        except sandbox.SandboxError as exc:
            # Answered as an observation by each sandboxed tool, not raised from reset.
            self._environment_error = exc
        else:
            # Where sandboxes are slow to start (docker), the first step finds one ready.
            environment.backend.prestart(self._limits(), self._mounts(environment))
        return task.question

    def environment(self) -> sandbox.PreparedEnvironment:
        """The task's environment (built at reset), kept for the episode."""
        assert self.instance is not None
        if self._environment_error is not None:
            # Once per episode: a failing build (a pip timeout) is not retried per tool.
            raise self._environment_error
        if self._environment is None:
            self._environment = task_environment(
                self.instance, self.config.backend, image_prefix=self.config.image_prefix
            )
        return self._environment

    def elapsed(self) -> float:
        """Seconds charged to the episode's time budget (see :class:`SWEConfig`)."""
        if self.config.count_agent_time:
            return time.monotonic() - self.started
        return self.tool_seconds + self._in_step()

    def _in_step(self) -> float:
        return time.monotonic() - self.step_started if self.step_started else 0.0

    def step(self, action: Any) -> tuple[str, SupportsFloat, bool, bool, dict[str, Any]]:
        self.step_started = time.monotonic()
        try:
            return super().step(action)
        finally:
            self.tool_seconds += self._in_step()
            self.step_started = 0.0

    def limit_reason(self) -> str | None:
        if self.elapsed() >= self.config.max_episode_s:
            return "time limit"
        if self.oversized:
            return "workspace size limit"
        return super().limit_reason()

    def example_response(self, task: Task) -> str:
        """One assistant message whose tool calls write the gold patch and submit."""
        from m1env.envs.swe.scripted import patch_actions

        inst = SWEInstance.from_dict(task.reference)
        calls = [c for a in patch_actions(inst, inst.patch, tests=False) for c in a["tool_calls"]]
        for number, c in enumerate(calls):
            c["id"] = f"call_{number}"
        return json.dumps({"role": "assistant", "content": "", "tool_calls": calls})

    # -- turns --------------------------------------------------------------------

    def turn(self, action: Any) -> Turn:
        try:
            message, calls = parse_action(action)
        except ToolCallError as exc:
            text = f"error: {exc}"
            content = action if isinstance(action, str) else repr(action)[:2000]
            return Turn(
                text,
                info={"error": "malformed_action"},
                messages=[
                    {"role": "assistant", "content": content},
                    {"role": "user", "content": text},
                ],
            )
        records: list[dict[str, Any]] = [message]
        outputs: list[str] = []
        for call in calls:
            if call.name == "submit":
                return self._submit(records, outputs, call)
            output = self._run_tool(call)
            records.append({"role": "tool", "tool_call_id": call.id, "content": output})
            outputs.append(output if len(calls) == 1 else f"[{call.name} {call.id}]\n{output}")
            if self.elapsed() >= self.config.max_episode_s:
                break
        return Turn("\n\n".join(outputs), messages=records, info={"tools": [c.name for c in calls]})

    def _submit(self, records: list[dict[str, Any]], outputs: list[str], call: ToolCall) -> Turn:
        assert self.workspace is not None and self.instance is not None
        try:
            patch = self.workspace.diff()
        except WorkspaceError as exc:
            score = Score.error(f"could not compute the diff: {exc}")
            patch = ""
        else:
            score = self._grade(patch)
        text = f"submitted; {score.status}: {score.reason}"
        records.append({"role": "tool", "tool_call_id": call.id, "content": text})
        outputs.append(text)
        info = {
            "patch": patch,
            "prediction": {
                "instance_id": self.instance.instance_id,
                "model_name_or_path": "",
                "model_patch": patch,
            },
        }
        return Turn("\n\n".join(outputs), done=True, score=score, messages=records, info=info)

    def _grade(self, patch: str) -> Score:
        assert self.instance is not None
        limits = GradeLimits(wall_s=self.config.grade_wall_s, cpu_s=self.config.grade_wall_s)
        try:
            environment = self.environment()
        except sandbox.SandboxError as exc:  # as the swe verifier scores it
            return Score.error(
                f"the task's environment: {exc}", verdict="environment", backend=None
            )
        return grade(self.instance, patch, limits, environment)

    def final_score(self) -> Score:
        if self.config.grade_on_truncation and self.workspace is not None:
            try:
                return self._grade(self.workspace.diff())
            except WorkspaceError as exc:
                return Score.error(f"could not compute the diff: {exc}")
        return Score.incorrect("not submitted: the episode hit its step or time limit")

    def _limits(self) -> sandbox.Limits:
        remaining = self.config.max_episode_s - self.elapsed()
        wall = max(0.05, min(self.config.step_wall_s, remaining))
        return sandbox.Limits(
            wall_s=wall,
            cpu_s=max(0.05, min(self.config.step_cpu_s, wall)),
            memory_mb=self.config.step_memory_mb,
            output_bytes=self.config.step_output_bytes,
            processes=64,
            open_files=256,
            file_size_bytes=64 << 20,
        )

    def _run_tool(self, call: ToolCall) -> str:
        handler = getattr(self, f"_tool_{call.name}")
        try:
            out: str = handler(**call.arguments)
        except (WorkspacePathError, ToolCallError, SWEError, WorkspaceError) as exc:
            out = f"error: {exc}"
        except sandbox.SandboxError as exc:
            out = f"error: the sandbox refused the command: {exc}"
        return _clip(out, self.config.step_output_bytes)

    def _mounts(self, environment: sandbox.PreparedEnvironment) -> dict[str, sandbox.Mount]:
        assert self.workspace is not None
        return {
            MOUNT_POINT: sandbox.Mount(str(self.workspace.work), writable=True),
            **environment.mounts,
        }

    def _check_size(self) -> None:
        """After a sandboxed command wrote to the workspace: flag it when over the cap."""
        assert self.workspace is not None
        if self.workspace.size_bytes() > self.config.max_workspace_mb << 20:
            self.oversized = True

    def _tool_bash(self, command: str) -> str:
        environment = self.environment()
        path = ":".join([*environment.bin_dirs, "/usr/local/bin", "/usr/bin", "/bin"])
        tools = [environment.tools_dir] if environment.tools_dir else []
        pythonpath = ":".join([MOUNT_POINT, *environment.site_dirs, *tools])
        request = sandbox.ExecRequest(
            command=["/bin/bash", "-c", f"cd {MOUNT_POINT} && exec /bin/bash /work/.m1env_cmd.sh"],
            files={".m1env_cmd.sh": command},
            env={"PATH": path, "PYTHONPATH": pythonpath, "HOME": "/tmp"},
            mounts=self._mounts(environment),
            limits=self._limits(),
        )
        result = environment.backend.run(request)
        self._check_size()
        head = {
            "ok": f"exit code {result.exit_code}",
            "runtime_error": f"exit code {result.exit_code}"
            if result.exit_code is not None
            else f"killed by signal {result.signal}",
            "timeout": f"timed out (limit {request.limits.wall_s:.0f} s wall, "
            f"{request.limits.cpu_s:.0f} s CPU)",
            "memory": f"out of memory (limit {request.limits.memory_mb} MiB)",
            "output_limit": "output or file size limit exceeded",
            "sandbox_error": "sandbox failure: " + "; ".join(result.messages),
        }[result.verdict]
        parts = [head]
        if result.stdout:
            parts.append(
                "stdout:\n" + result.stdout + (" [truncated]" if result.stdout_truncated else "")
            )
        if result.stderr:
            parts.append(
                "stderr:\n" + result.stderr + (" [truncated]" if result.stderr_truncated else "")
            )
        return "\n".join(parts)

    def _tool_view_file(
        self, path: str, start_line: int | None = None, end_line: int | None = None
    ) -> str:
        assert self.workspace is not None
        target = self.workspace.resolve(path)
        if target.is_dir():
            return self.workspace.listing(path)
        text = self.workspace.read_text(path, 4 << 20)
        lines = text.splitlines()
        if not lines:
            return f"({path} is empty)"
        start = start_line or 1
        end = min(end_line or len(lines), len(lines))
        if start > max(len(lines), 1):
            return f"error: {path} has {len(lines)} lines; start_line {start} is past the end"
        if end < start:
            return f"error: end_line {end_line} is before start_line {start}"
        width = len(str(end))
        return "\n".join(f"{n:>{width}}  {lines[n - 1]}" for n in range(start, end + 1))

    def _tool_str_replace(self, path: str, old_str: str, new_str: str) -> str:
        assert self.workspace is not None
        if not old_str:
            return "error: old_str is empty"
        text = self.workspace.read_text(path, 4 << 20)
        count = text.count(old_str)
        if count == 0:
            return f"error: old_str does not occur in {path}; nothing changed"
        if count > 1:
            return f"error: old_str occurs {count} times in {path}; give more context to make it unique"
        self.workspace.write_text(path, text.replace(old_str, new_str, 1))
        line = text[: text.index(old_str)].count("\n") + 1
        return f"replaced 1 occurrence in {path} at line {line}"

    def _tool_create_file(self, path: str, content: str) -> str:
        assert self.workspace is not None
        if len(content.encode("utf-8", "replace")) > 1 << 20:
            return "error: content is over 1 MiB"
        existed = self.workspace.write_text(path, content)
        return (
            f"{'overwrote' if existed else 'created'} {path} ({content.count(chr(10)) + 1} lines)"
        )

    def _tool_run_tests(self, tests: list[str] | None = None) -> str:
        assert self.workspace is not None and self.instance is not None
        environment = self.environment()
        limits = GradeLimits(
            wall_s=self._limits().wall_s, cpu_s=self._limits().cpu_s,
            memory_mb=self.config.step_memory_mb,
        )  # fmt: skip
        if tests:
            for test in tests:
                file = test.split("::", 1)[0]
                if test.startswith("-") or file.startswith("/") or ".." in file.split("/"):
                    return f"error: {test!r} is not a test id in the repository"
            # The workspace itself, mounted beside the environment's own mounts.
            mounted = replace(environment, mounts=self._mounts(environment))
            outcomes, result = run_pytest(tests, limits, repo_dir=MOUNT_POINT, environment=mounted)
            self._check_size()
            wanted = list(tests)
        else:
            wanted = list(self.instance.FAIL_TO_PASS)
            with tempfile.TemporaryDirectory(prefix="m1env-swe-rt-") as tmp:
                tree = prepare_tree(self.instance, self.workspace.diff(), Path(tmp))
            outcomes, result = run_pytest(wanted, limits, tree=tree, environment=environment)
        return _summary(wanted, outcomes, result)


def _summary(wanted: list[str], outcomes: dict[str, str] | None, result: sandbox.ExecResult) -> str:
    if outcomes is None:
        log = (result.stdout + result.stderr)[-3000:]
        return f"no test report (run verdict {result.verdict}); output:\n{log}"
    # Ids given as files (or classes) select every test under them.
    rows = {
        t: o
        for t, o in outcomes.items()
        if any(
            t == w or t.startswith(w + "::") or t.startswith(w.rstrip("/") + "/") for w in wanted
        )
    }
    for w in wanted:
        if not any(
            t == w or t.startswith(w + "::") or t.startswith(w.rstrip("/") + "/") for t in rows
        ):
            rows[w] = "missing"
    passed = sum(o == "passed" for o in rows.values())
    lines = [f"{passed}/{len(rows)} passed (pytest exit code {result.exit_code})"]
    lines += [f"{o.upper():<8} {t}" for t, o in sorted(rows.items())]
    if passed < len(rows):
        lines.append("output (tail):\n" + (result.stdout + result.stderr)[-2000:])
    return "\n".join(lines)


SPEC = EnvSpec(
    id="m1env/SWE-v0",
    entry_point="m1env.envs.swe.env:SWEEnv",
    verifier="swe",
    description="multi-turn SWE agent episodes on real repositories (tools in a sandbox), graded by tests",
    tags=("swe", "code", "multi-turn"),
)
