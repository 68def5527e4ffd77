"""The math dataset loader: row shapes, the bundled sample set, and bad rows."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import m1env
from m1env.data import MATH_SAMPLE
from m1env.envs.math.dataset import MathDatasetEnv, load_dataset, row_to_problem
from m1env.verifiers import UnknownVerifierError, get_verifier


def _write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_gsm8k_row_takes_the_answer_after_the_hashes_and_boxes_it_in_the_solution():
    p = row_to_problem(
        {"question": "2 + 3 apples?", "answer": "She has 2 + 3 = <<2+3=5>>5 apples.\n#### 5"}
    )
    assert p.answer == "5" and p.metadata["format"] == "gsm8k"
    assert p.solution == "She has 2 + 3 = <<2+3=5>>5 apples.\nThe final answer is $\\boxed{5}$."


def test_math_row_takes_the_last_boxed_answer_with_nested_braces():
    p = row_to_problem(
        {
            "problem": "Half of one?",
            "solution": "Not \\boxed{2} but $\\boxed{\\frac{1}{2}}$.",
            "level": "Level 1",
            "type": "Algebra",
        }
    )
    assert p.answer == "\\frac{1}{2}" and p.metadata["format"] == "math"
    assert p.solution is not None and p.solution.endswith("$\\boxed{\\frac{1}{2}}$.")
    assert p.metadata["level"] == "Level 1" and p.metadata["type"] == "Algebra"


@pytest.mark.parametrize(
    ("row", "answer"),
    [
        ({"question": "q", "answer": 3}, "3"),
        ({"question": "q", "answer": 0.25}, "0.25"),
        ({"question": "q", "answer": 4.0}, "4"),
        ({"question": "q", "answer": "x = \\boxed{6}"}, "6"),
        ({"question": "q", "final_answer": "[1, 5)"}, "[1, 5)"),
        ({"problem": "p", "answer": "\\frac{9}{2}", "solution": "\\boxed{4.5}"}, "\\frac{9}{2}"),
        (
            {"prompt": [{"role": "user", "content": "q"}], "reward_model": {"ground_truth": "7"}},
            "7",
        ),
        ({"question": "q", "solution": "so\n#### 12"}, "12"),
    ],
)
def test_common_row_shapes(row, answer):
    assert row_to_problem(row).answer == answer


def test_bundled_sample_mixes_formats_and_every_example_scores_correct():
    loaded = load_dataset(MATH_SAMPLE)
    assert len(loaded.problems) == 70 and not loaded.skipped
    formats = Counter(p.metadata["format"] for p in loaded.problems)
    assert formats["gsm8k"] >= 20 and formats["math"] >= 25 and formats["plain"] >= 15
    answers = {p.answer for p in loaded.problems}
    for expected in ("\\frac{17}{12}", "6\\sqrt{2}", "[2, 5) \\cup (5, \\infty)", "-1, 0, 1",
                     "(1, 3)", "x^2 - 2x - 15", "1 - i", "25\\pi", "4.5"):  # fmt: skip
        assert expected in answers
    try:
        verifier = get_verifier("math")
    except UnknownVerifierError:
        pytest.skip("the `math` verifier (branch mathverify) is not installed")
    env = m1env.make("m1env/MathDataset-v0").unwrapped
    assert isinstance(env, MathDatasetEnv)
    for i in range(70):
        _, info = env.reset(options={"index": i})
        task = m1env.Task.from_dict(info["task"])
        score = verifier.check(env.example_response(task), task.reference)
        assert score.status == "correct", (task.metadata, score.reason)


def test_bad_rows_name_their_row_number(tmp_path):
    good = {"question": "1 + 1?", "answer": "2"}
    cases = [
        ('{"question": "x", "answer": ', "row 2: invalid JSON"),
        ({"answer": "2"}, "row 2: no question"),
        ({"question": "q"}, "row 2: no answer"),
        ({"question": "q", "answer": True}, "row 2: 'answer' is a boolean"),
        ({"question": "q", "answer": ["a"]}, "row 2: 'answer' must be a string or a number"),
        ({"question": "q", "solution": "no box here"}, "row 2: no answer"),
        ({"question": "q", "answer": "\\boxed{1"}, "row 2: .*braces never close"),
        ({"question": "q", "answer": "  "}, "row 2: the answer is empty"),
        ([1, 2], "row 2: expected an object"),
    ]
    for bad, message in cases:
        path = _write_jsonl(tmp_path / "d.jsonl", [good, bad, good])
        with pytest.raises(m1env.TaskError, match=message):
            load_dataset(path)
    (tmp_path / "u.jsonl").write_bytes(b'{"question": "q", "answer": "1"}\n\xff\xfe\n')
    with pytest.raises(m1env.TaskError, match="row 2: not valid UTF-8"):
        load_dataset(tmp_path / "u.jsonl")


def test_skip_bad_rows_counts_them_and_keeps_the_rest(tmp_path):
    rows = [{"question": "a", "answer": "1"}, "not json", {"q": 1}, {"question": "b", "answer": 2}]
    path = _write_jsonl(tmp_path / "d.jsonl", ["", *rows])  # a blank first line is skipped
    loaded = load_dataset(path, skip_bad_rows=True)
    assert [p.answer for p in loaded.problems] == ["1", "2"]
    assert [p.metadata["row"] for p in loaded.problems] == [2, 5]
    assert [s.split(":")[0] for s in loaded.skipped] == ["row 3", "row 4"]
    with pytest.warns(UserWarning, match="skipped 2 bad rows"):
        env = m1env.make("m1env/MathDataset-v0", path=str(path), skip_bad_rows=True).unwrapped
    assert isinstance(env, MathDatasetEnv)
    assert env.skipped_rows == loaded.skipped and env.source.size == 2
    only_bad = _write_jsonl(tmp_path / "bad.jsonl", ["nope"])
    with pytest.raises(m1env.TaskError, match="no usable rows; first error: row 1"):
        load_dataset(only_bad, skip_bad_rows=True)


def test_file_level_errors(tmp_path):
    with pytest.raises(m1env.TaskError, match="not found"):
        load_dataset(tmp_path / "missing.jsonl")
    (tmp_path / "d.csv").write_text("question,answer\n")
    with pytest.raises(m1env.TaskError, match="unknown dataset format"):
        load_dataset(tmp_path / "d.csv")
    (tmp_path / "d.json").write_text('{"question": "q"}')
    with pytest.raises(m1env.TaskError, match="list of rows"):
        load_dataset(tmp_path / "d.json")
    (tmp_path / "d.parquet").write_bytes(b"not parquet")
    pytest.importorskip("pyarrow")
    with pytest.raises(m1env.TaskError, match="not a readable Parquet file"):
        load_dataset(tmp_path / "d.parquet")


def test_parquet_in_verl_and_math_shapes(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    verl = pa.Table.from_pylist(
        [
            {
                "prompt": [{"role": "user", "content": "What is 6 * 7?"}],
                "reward_model": {"style": "rule", "ground_truth": "42"},
            },
            {
                "prompt": [{"role": "user", "content": "What is 2 ** 5?"}],
                "reward_model": {"style": "rule", "ground_truth": "32"},
            },
        ]
    )
    pq.write_table(verl, tmp_path / "verl.parquet")
    math_rows = pa.Table.from_pylist(
        [
            {
                "problem": "Simplify $\\sqrt{8}$.",
                "solution": "$\\boxed{2\\sqrt{2}}$",
                "level": "Level 1",
            }
        ]
    )
    pq.write_table(math_rows, tmp_path / "math.parquet")
    assert [p.answer for p in load_dataset(tmp_path / "verl.parquet").problems] == ["42", "32"]
    env = m1env.make("m1env/MathDataset-v0", path=str(tmp_path / "math.parquet")).unwrapped
    obs, info = env.reset(seed=0)
    assert obs.startswith("Simplify") and info["task"]["reference"] == "2\\sqrt{2}"
    assert info["task"]["id"] == "m1env/MathDataset-v0/math/0"


def test_limit_and_json_array(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"question": f"q{i}", "answer": i} for i in range(10)]))
    assert len(load_dataset(path, limit=3).problems) == 3
    with pytest.raises(ValueError, match="limit"):
        load_dataset(path, limit=0)
