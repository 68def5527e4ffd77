"""Reading CSV text into a Table."""

import csv
import io

from csvtable.infer import infer_type, parse_value
from csvtable.table import Table


def read_table(text, delimiter=","):
    """A Table from CSV text whose first row is the header; cells are stripped."""
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise ValueError("no header row")
    header, body = rows[0], rows[1:]
    if len(set(header)) != len(header) or not all(header):
        raise ValueError(f"column names must be unique and non-empty: {header}")
    for number, row in enumerate(body, 2):
        if len(row) != len(header):
            raise ValueError(f"row {number} has {len(row)} cells, the header {len(header)}")
    kinds = [infer_type([row[i] for row in body]) for i in range(len(header))]
    typed = [tuple(parse_value(cell, kind) for cell, kind in zip(row, kinds)) for row in body]
    return Table(header, typed, kinds)
