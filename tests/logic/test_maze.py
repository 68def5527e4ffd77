from __future__ import annotations

import pytest

from m1env.envs.logic.maze import MazeConfig, parse_moves, shortest_path

from ._helpers import answer_of, problems, score


@pytest.mark.parametrize("difficulty", [1, 4, 10])
def test_bfs_finds_the_reference_length(difficulty: int) -> None:
    for p in problems("maze", (difficulty,), count=3):
        ref = p.answer
        path = shortest_path(ref["grid"], tuple(ref["start"]), tuple(ref["goal"]))
        assert path is not None and len(path) == ref["shortest"] == len(answer_of(p))
        assert ref["grid"][ref["start"][0]][ref["start"][1]] == "S"
        assert ref["grid"][ref["goal"][0]][ref["goal"][1]] == "G"
        rows = MazeConfig.for_difficulty(difficulty).rows
        assert len(ref["grid"]) == 2 * rows + 1


def test_any_valid_path_is_accepted_not_only_the_shortest() -> None:
    p = problems("maze", (5,), count=1)[0]
    moves = answer_of(p)
    back = {"U": "D", "D": "U", "L": "R", "R": "L"}
    detour = moves[0] + back[moves[0]] + moves  # step out and back, then the route
    s = score("maze", detour, p.answer)
    assert s.is_correct and s.details["moves"] == len(moves) + 2


def test_formats() -> None:
    p = problems("maze", (3,), count=1)[0]
    moves = answer_of(p)
    words = {"U": "up", "D": "down", "L": "left", "R": "right"}
    assert score("maze", ", ".join(words[m] for m in moves), p.answer).is_correct
    assert score("maze", " -> ".join(moves.lower()), p.answer).is_correct
    assert parse_moves("U D\nL,R") == "UDLR"
    with pytest.raises(ValueError, match="not a move"):
        parse_moves("UDX")
    with pytest.raises(ValueError, match="not a move"):
        parse_moves("dup")


def test_walls_and_wrong_endpoints_are_explained() -> None:
    p = problems("maze", (5,), count=1)[0]
    moves = answer_of(p)
    s = score("maze", moves[:-1], p.answer)
    assert s.status == "incorrect" and "not at G" in s.reason
    grid, (r, c) = p.answer["grid"], p.answer["start"]
    blocked = next(
        m
        for m, (dr, dc) in {"U": (-1, 0), "D": (1, 0), "L": (0, -1), "R": (0, 1)}.items()
        if grid[r + dr][c + dc] == "#"
    )
    s = score("maze", blocked + moves, p.answer)
    assert s.status == "incorrect" and "move 1" in s.reason and "wall" in s.reason


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        MazeConfig(rows=1)
    with pytest.raises(ValueError):
        MazeConfig(loops=-0.1)
