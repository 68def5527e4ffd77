"""An immutable typed table."""


class Table:
    def __init__(self, columns, rows, kinds=None):
        self.columns = list(columns)
        self.rows = [tuple(r) for r in rows]
        self.kinds = list(kinds) if kinds is not None else [str] * len(self.columns)

    def __len__(self):
        return len(self.rows)

    def _index(self, name):
        try:
            return self.columns.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r}") from None

    def column(self, name):
        i = self._index(name)
        return [row[i] for row in self.rows]

    def where(self, predicate):
        """Rows for which ``predicate(row_as_dict)`` is true."""
        keep = [r for r in self.rows if predicate(dict(zip(self.columns, r)))]
        return Table(self.columns, keep, self.kinds)

    def sort_by(self, name, reverse=False):
        """Rows ordered by one column; missing values (None) always come last."""
        i = self._index(name)
        present = [r for r in self.rows if r[i] is not None]
        missing = [r for r in self.rows if r[i] is None]
        present.sort(key=lambda r: r[i], reverse=reverse)
        return Table(self.columns, present + missing, self.kinds)

    def to_dicts(self):
        return [dict(zip(self.columns, r)) for r in self.rows]
