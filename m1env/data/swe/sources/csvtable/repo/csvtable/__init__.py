"""Typed tables from CSV text: column type inference, filtering, sorting, writing."""

from csvtable.infer import infer_type, parse_value
from csvtable.reader import read_table
from csvtable.table import Table
from csvtable.writer import write_table

__all__ = ["Table", "infer_type", "parse_value", "read_table", "write_table"]
