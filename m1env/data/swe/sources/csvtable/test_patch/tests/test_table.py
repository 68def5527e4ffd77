import pytest

from csvtable import Table, read_table, write_table

CSV = """name, qty, price, in_stock
apple, 3, 0.5, yes
pear, 10, 0.75, no
fig, 7, 2.0, yes
"""


def test_read_types():
    t = read_table(CSV)
    assert t.kinds == [str, int, float, bool]
    assert t.rows[1] == ("pear", 10, 0.75, False)


def test_where_and_sort():
    t = read_table(CSV).where(lambda r: r["in_stock"]).sort_by("qty", reverse=True)
    assert t.column("name") == ["fig", "apple"]


def test_sort_puts_missing_last():
    t = Table(["k"], [(2,), (None,), (1,)], [int])
    assert t.sort_by("k").column("k") == [1, 2, None]
    assert t.sort_by("k", reverse=True).column("k") == [2, 1, None]


def test_roundtrip():
    assert write_table(read_table(CSV)) == CSV.replace(", ", ",").replace("yes", "true").replace(
        "no", "false"
    )


@pytest.mark.parametrize(
    "text", ["", "a,a\n1,2\n", "a,b\n1\n"], ids=["empty", "duplicate-column", "short-row"]
)
def test_bad_input(text):
    with pytest.raises(ValueError):
        read_table(text)


def test_unknown_column():
    with pytest.raises(KeyError):
        read_table(CSV).column("colour")


GAPS = """city,population,area
Oslo,709000,454
Nowhere,,
Bergen, 291000 ,465.3
"""


def test_blank_cells_read_as_none():
    t = read_table(GAPS)
    assert t.kinds == [str, int, float]
    assert t.rows[1] == ("Nowhere", None, None)
    assert t.column("population") == [709000, None, 291000]


def test_gaps_survive_sort_and_write():
    t = read_table(GAPS)
    assert t.sort_by("area").column("city") == ["Oslo", "Bergen", "Nowhere"]
    assert write_table(t) == "city,population,area\nOslo,709000,454.0\nNowhere,,\nBergen,291000,465.3\n"
