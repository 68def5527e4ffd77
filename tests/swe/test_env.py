"""m1env/SWE-v0 episodes on the bundled tasks, driven by a scripted agent (bwrap backend)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import m1env
from m1env.envs.swe import TOOLS, SWEConfig, SWEEnv, parse_action
from m1env.envs.swe.scripted import call, patch_actions, run_episode
from tests.swe.helpers import task


def _env(**config: object) -> SWEEnv:
    return SWEEnv(config=SWEConfig(**config))  # type: ignore[arg-type]


def test_tool_schemas_are_openai_functions() -> None:
    names = [t["function"]["name"] for t in TOOLS]
    assert names == ["bash", "view_file", "str_replace", "create_file", "run_tests", "submit"]
    for tool in TOOLS:
        assert tool["type"] == "function"
        assert tool["function"]["parameters"]["type"] == "object"
    json.dumps(TOOLS)


def test_gold_patch_through_tools_scores_1_and_no_change_scores_0() -> None:
    env = _env()
    inst = task()
    done = run_episode(env, patch_actions(inst, inst.patch), options={"index": 0})
    assert done["terminated"] and not done["truncated"]
    assert done["reward"] == 1.0, done["info"]["score"]
    assert done["info"]["score"].status == "correct"
    assert "view_file" not in done["observations"][0]  # a numbered listing came back
    assert done["info"]["prediction"]["instance_id"] == inst.instance_id
    assert done["info"]["patch"].startswith("diff --git")
    # run_tests (before submit) reported the failing tests as passing, without a reward.
    assert "passed" in done["observations"][-2] and "reward" not in done["observations"][-2]

    nothing = run_episode(env, [call("submit")], options={"index": 0})
    assert nothing["terminated"] and nothing["reward"] == 0.0
    assert nothing["info"]["patch"] == ""
    env.close()


def test_json_string_action_and_messages_are_chat_records() -> None:
    env = _env()
    obs, _info = env.reset(options={"index": 0})
    assert task().problem_statement.strip()[:40] in obs
    action = json.dumps(call("bash", command="echo hello from $PWD"))
    out, reward, terminated, truncated, _ = env.step(action)
    assert "hello from /repo" in out and "exit code 0" in out
    assert (reward, terminated, truncated) == (0.0, False, False)
    assistant, tool = env.messages[-2:]
    assert (
        assistant["role"] == "assistant"
        and assistant["tool_calls"][0]["function"]["name"] == "bash"
    )
    assert tool == {"role": "tool", "tool_call_id": "call_bash", "content": out}
    env.close()


def test_step_limit_truncates() -> None:
    env = _env(max_steps=2)
    env.reset(options={"index": 0})
    first = env.step(call("view_file", path="."))
    assert first[2:4] == (False, False)
    _obs, reward, terminated, truncated, info = env.step(call("view_file", path="."))
    assert (terminated, truncated, reward) == (False, True, 0.0)
    assert info["truncated_by"] == "turn limit" and info["score"].status == "incorrect"
    env.close()


def test_time_limit_truncates_and_bounds_the_step() -> None:
    env = _env(max_episode_s=1.5)
    env.reset(options={"index": 0})
    obs, reward, terminated, truncated, info = env.step(call("bash", command="sleep 30"))
    assert "timed out" in obs
    assert (terminated, truncated, reward) == (False, True, 0.0)
    assert info["truncated_by"] == "time limit"
    env.close()


def test_time_budget_counts_tool_time_unless_agent_time_is_asked_for() -> None:
    import time

    for count_agent_time, truncated_after in ((False, False), (True, True)):
        env = _env(max_episode_s=0.8, count_agent_time=count_agent_time)
        env.reset(options={"index": 0})
        time.sleep(1.0)  # the policy "thinking"
        *_, truncated, info = env.step(call("view_file", path="."))
        assert truncated is truncated_after, count_agent_time
        assert info.get("truncated_by") == ("time limit" if truncated_after else None)
        env.close()


def test_truncation_can_grade_the_diff() -> None:
    env = _env(max_steps=1, grade_on_truncation=True)
    inst = task()
    gold = [
        a for a in patch_actions(inst, inst.patch, tests=False) if "str_replace" in json.dumps(a)
    ]
    assert len(gold) == 1
    done = run_episode(env, gold, options={"index": 0})
    assert done["truncated"] and done["reward"] == 1.0
    env.close()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("", "empty action"),
        ("rm -rf /", "not a tool call"),
        ({"role": "assistant", "content": "hi"}, "no tool_calls"),
        ({"tool_calls": [{"function": {"name": "rm", "arguments": "{}"}}]}, "unknown tool"),
        ({"tool_calls": [{"function": {"name": "bash", "arguments": "{oops"}}]}, "not valid JSON"),
        ({"tool_calls": [{"function": {"name": "bash", "arguments": "{}"}}]}, "missing argument"),
        (
            {"tool_calls": [{"function": {"name": "view_file", "arguments": {"path": 3}}}]},
            "must be a string",
        ),
        (
            {"tool_calls": [{"function": {"name": "submit", "arguments": {"x": 1}}}]},
            "unknown argument",
        ),
    ],
)
def test_malformed_tool_calls_answer_an_error_and_count(action: object, message: str) -> None:
    env = _env(max_steps=5)
    env.reset(options={"index": 0})
    obs, reward, terminated, truncated, info = env.step(action)  # type: ignore[arg-type]
    assert obs.startswith("error:") and message in obs
    assert (reward, terminated, truncated) == (0.0, False, False)
    assert env.turns == 1 and info["error"] == "malformed_action"
    env.close()


def test_parse_action_accepts_dict_arguments_and_several_calls() -> None:
    msg, calls = parse_action({"tool_calls": [
        {"function": {"name": "view_file", "arguments": {"path": "a.py", "start_line": 2}}},
        {"id": "x", "type": "function", "function": {"name": "submit", "arguments": ""}},
    ]})  # fmt: skip
    assert [c.name for c in calls] == ["view_file", "submit"]
    assert json.loads(msg["tool_calls"][0]["function"]["arguments"]) == {
        "path": "a.py",
        "start_line": 2,
    }


def test_str_replace_needs_one_exact_match_and_view_ranges() -> None:
    env = _env()
    env.reset(options={"index": 0})
    path = next(p for p in task().files if not p.startswith("tests/") and p.endswith(".py"))
    env.step(call("create_file", path=path, content="a = 1\na = 1\nb = 2\n"))
    assert (
        "occurs 2 times"
        in env.step(call("str_replace", path=path, old_str="a = 1", new_str="c"))[0]
    )
    assert (
        "does not occur" in env.step(call("str_replace", path=path, old_str="zz", new_str="c"))[0]
    )
    assert (
        "replaced 1"
        in env.step(call("str_replace", path=path, old_str="b = 2", new_str="b = 3"))[0]
    )
    view = env.step(call("view_file", path=path, start_line=2, end_line=3))[0]
    assert view.splitlines() == ["2  a = 1", "3  b = 3"]
    assert "past the end" in env.step(call("view_file", path=path, start_line=99))[0]
    env.step(call("create_file", path="empty.txt", content=""))
    assert env.step(call("view_file", path="empty.txt"))[0] == "(empty.txt is empty)"
    env.close()


def test_gold_patch_applied_with_git_apply_in_bash_scores_1() -> None:
    env = _env()
    inst = task()
    apply = call("bash", command=f"git apply --verbose <<'EOF'\n{inst.patch}EOF")
    done = run_episode(env, [apply, call("submit")], options={"index": 0})
    assert "exit code 0" in done["observations"][0], done["observations"][0]
    assert done["reward"] == 1.0, done["info"]["score"]
    env.close()


def test_editing_tests_through_tools_still_scores_0() -> None:
    env = _env()
    env.reset(options={"index": 0})
    inst = task()
    for test_file in sorted({t.split("::", 1)[0] for t in inst.tests}):
        body = "".join(
            f"def {t.split('::')[-1].split('[')[0]}():\n    pass\n\n"
            for t in inst.tests
            if t.startswith(test_file)
        )
        out = env.step(call("create_file", path=test_file, content=body))[0]
        assert out.startswith(("created", "overwrote")), out
    env.step(call("create_file", path="conftest.py", content="collect_ignore = []\n"))
    _obs, reward, terminated, *_ = env.step(call("submit"))
    assert terminated and reward == 0.0
    env.close()


def test_paths_outside_the_workspace_are_refused() -> None:
    env = _env()
    env.reset(options={"index": 0})
    assert env.workspace is not None
    outside = Path(env.workspace.root) / "outside.txt"
    for bad in ("../outside.txt", "/etc/passwd", "/repo/../outside.txt", "a/../../x"):
        assert env.step(call("view_file", path=bad))[0].startswith("error:"), bad
        assert env.step(call("create_file", path=bad, content="x"))[0].startswith("error:"), bad
    # A symlink planted from the sandbox must not lead the host tools out.
    env.step(call("bash", command="ln -s /etc etc_link && ln -s ../.. up && ln -s /etc/passwd pw"))
    for bad in ("etc_link/passwd", "up/outside.txt", "pw"):
        assert env.step(call("view_file", path=bad))[0].startswith("error:"), bad
        assert env.step(call("create_file", path=bad, content="x"))[0].startswith("error:"), bad
        assert env.step(call("str_replace", path=bad, old_str="r", new_str="x"))[0].startswith(
            "error:"
        )
    assert not outside.exists()
    env.close()


def test_sandboxed_bash_has_no_network() -> None:
    env = _env()
    env.reset(options={"index": 0})
    probe = (
        "python3 - <<'EOF'\nimport socket\nfor host, port in [('127.0.0.1', 6379), ('127.0.0.1', 5432), ('1.1.1.1', 53)]:\n"
        "    s = socket.socket(); s.settimeout(2)\n    try:\n        s.connect((host, port)); print('OPEN', host, port)\n"
        "    except OSError as e:\n        print('CLOSED', host, port, e.errno)\nEOF"
    )
    obs = env.step(call("bash", command=probe))[0]
    assert obs.count("CLOSED") == 3 and "OPEN" not in obs, obs
    env.close()


def test_workspaces_are_removed_on_reset_and_close() -> None:
    env = _env()
    env.reset(options={"index": 0})
    assert env.workspace is not None
    first = env.workspace.root
    assert first.is_dir()
    env.reset(options={"index": 0})
    assert not first.exists()
    second = env.workspace.root
    env.close()
    assert not second.exists() and env.workspace is None


def test_registered_and_made_by_id() -> None:
    env = m1env.make("m1env/SWE-v0").unwrapped
    assert isinstance(env, SWEEnv)
    assert env.tools == TOOLS
    env.close()


def test_workspaces_of_dead_workers_are_reaped(tmp_path: Path) -> None:
    import subprocess

    from m1env.envs.swe.workspace import Workspace

    proc = subprocess.Popen(["true"])  # a pid that has exited
    proc.wait()
    stale = tmp_path / f"m1env-swe-ep-{proc.pid}-abc"
    (stale / "work").mkdir(parents=True)
    mine = Workspace({"a.py": "x = 1\n"}, base_dir=str(tmp_path))
    assert not stale.exists() and mine.root.exists()
    mine.cleanup()
    assert not mine.root.exists()


def test_no_process_outlives_its_command() -> None:
    """The host-side file tools rely on nothing sandboxed running between steps."""
    import time

    env = _env()
    env.reset(options={"index": 0})
    env.step(
        call(
            "bash",
            command="(sleep 1; touch late) > /dev/null 2>&1 &\nnohup sh -c 'sleep 1; touch late2' >/dev/null 2>&1 &\necho started",
        )
    )
    time.sleep(1.6)
    assert env.workspace is not None
    assert not (env.workspace.work / "late").exists()
    assert not (env.workspace.work / "late2").exists()
    env.close()


def test_workspace_size_limit_truncates() -> None:
    env = _env(max_workspace_mb=1)
    env.reset(options={"index": 0})
    *_, truncated, info = env.step(call("bash", command="head -c 2000000 /dev/zero > big.bin"))
    assert truncated and info["truncated_by"] == "workspace size limit"
    env.close()
