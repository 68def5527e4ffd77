from __future__ import annotations

from collections import deque

import pytest

from m1env.envs.logic.hanoi import PEGS, HanoiConfig, parse_moves, solve

from ._helpers import answer_of, problems, score


def _bfs_distance(start: dict[str, list[int]], target: str) -> int:
    n = sum(len(v) for v in start.values())
    state = tuple(next(p for p in PEGS if d in start[p]) for d in range(1, n + 1))
    goal = (target,) * n
    dist = {state: 0}
    queue = deque([state])
    while queue:
        s = queue.popleft()
        if s == goal:
            return dist[s]
        for a in PEGS:
            on_a = [d for d in range(n) if s[d] == a]
            if not on_a:
                continue
            top = on_a[0]
            for b in PEGS:
                on_b = [d for d in range(n) if s[d] == b]
                if b != a and (not on_b or on_b[0] > top):
                    nxt = (*s[:top], b, *s[top + 1 :])
                    if nxt not in dist:
                        dist[nxt] = dist[s] + 1
                        queue.append(nxt)
    raise AssertionError("unreachable")


@pytest.mark.parametrize("difficulty", [1, 3, 4, 5])
def test_reference_is_optimal_by_breadth_first_search(difficulty: int) -> None:
    for p in problems("hanoi", (difficulty,), count=4):
        ref = p.answer
        assert ref["optimal"] == _bfs_distance(ref["start"], ref["target"])
        assert len(parse_moves(answer_of(p))) == ref["optimal"]


def test_single_tower_needs_two_to_the_n_minus_one() -> None:
    assert len(solve({"A": [4, 3, 2, 1], "B": [], "C": []}, "C")) == 15


def test_illegal_and_unfinished_sequences() -> None:
    ref = {
        "disks": 2,
        "start": {"A": [2, 1], "B": [], "C": []},
        "target": "C",
        "optimal": 3,
        "minimal": True,
    }
    assert score("hanoi", "A->B, A->C, B->C", ref).is_correct
    s = score("hanoi", "A->B, A->B", ref)
    assert s.status == "incorrect" and "smaller disk" in s.reason
    assert "empty peg" in score("hanoi", "B->C", ref).reason
    assert "holds 1 of 2" in score("hanoi", "A->B, A->C", ref).reason
    long = "A->C, C->B, A->C, B->C"  # legal but not minimal
    assert "minimum is 3" in score("hanoi", long, ref).reason
    assert score("hanoi", long, {**ref, "minimal": False}).is_correct


def test_formats() -> None:
    ref = {
        "disks": 2,
        "start": {"A": [2, 1], "B": [], "C": []},
        "target": "C",
        "optimal": 3,
        "minimal": True,
    }
    for text in ("AB AC BC", "a to b\na to c\nb to c", "A→B; A→C; B→C.", "A B, A C, B C"):
        assert score("hanoi", text, ref).is_correct, text
    assert "cannot read" in score("hanoi", "A->B, then A->C, B->C", ref).reason


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        HanoiConfig(disks=0)
    with pytest.raises(ValueError):
        HanoiConfig(minimal="yes")  # type: ignore[arg-type]


def test_minimal_flag_travels_from_the_env_config_to_the_reference() -> None:
    import m1env
    from m1env import TaskEnv

    env = m1env.make("m1env/Hanoi-v0", config={"minimal": False}, difficulty=2).unwrapped
    assert isinstance(env, TaskEnv)
    _, info = env.reset(seed=0)
    ref = info["task"]["reference"]
    assert (
        ref["minimal"] is False
        and "any number of legal moves" in info["task"]["prompt"][-1]["content"]
    )
    # a legal detour (park the top disk and bring it back first) is accepted
    (peg,) = [p for p in PEGS if ref["start"][p]]
    spare = next(p for p in PEGS if p != peg)
    example = env.example_response(m1env.Task.from_dict(info["task"]))
    route = example.split("<answer>")[1].split("</answer>")[0]
    assert score("hanoi", f"{peg}->{spare}, {spare}->{peg}, {route}", ref).is_correct
