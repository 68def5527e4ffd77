from __future__ import annotations

import pytest

from m1env.errors import StoreError
from m1env.store.sanitize import MAX_DEPTH, REPLACEMENT, Report, clean_json, clean_text


def test_clean_text_replaces_only_nul_and_lone_surrogates():
    report = Report()
    text = "a\x00b\ud800c\udfffd😀\ufffd\x01"
    assert (
        clean_text(text, "f", report) == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d😀\ufffd\x01"
    )
    assert report.as_json() == {"f": {"nul": 1, "surrogate": 2}}


def test_clean_text_leaves_clean_text_alone_and_reports_nothing():
    report = Report()
    for text in ["", "plain", "é ß 中文 עברית 😀 \U0010ffff \uffff \u2028 \x7f \\u0000"]:
        assert clean_text(text, "f", report) == text
    assert report.as_json() is None


def test_clean_text_type_and_limit():
    with pytest.raises(StoreError, match="f must be a str, got bytes"):
        clean_text(b"x", "f", Report())
    with pytest.raises(StoreError, match="over the store's limit"):
        clean_text("é" * 600, "f", Report(), limit=1024)  # 1200 bytes of UTF-8
    assert clean_text("é" * 500, "f", Report(), limit=1024) == "é" * 500
    assert clean_text(None, "f", Report(), nullable=True) is None


def test_clean_json_paths_keys_nonfinite_and_tuples():
    report = Report()
    value = {"k\x00": ["ok", "x\x00", (1, float("nan"))], 3: float("-inf"), True: None}
    cleaned = clean_json(value, "details", report)
    assert cleaned == {
        f"k{REPLACEMENT}": ["ok", f"x{REPLACEMENT}", [1, "NaN"]],
        "3": "-Infinity",
        "true": None,
    }
    assert report.as_json() == {
        "details (key)": {"nul": 1},
        f"details.k{REPLACEMENT}[1]": {"nul": 1},
        f"details.k{REPLACEMENT}[2][1]": {"nonfinite": 1},
        "details.3": {"nonfinite": 1},
    }


def test_clean_json_rejects_what_is_not_json():
    for bad in [{1, 2}, b"bytes", object(), {"a": {(1, 2): 3}}]:
        with pytest.raises(StoreError, match="details"):
            clean_json(bad, "details", Report())
    deep: list = []
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(StoreError, match="nested deeper"):
        clean_json(deep, "details", Report())
    with pytest.raises(StoreError, match="bytes as JSON"):
        clean_json({"a": "x" * 2000}, "details", Report(), limit=1024)
