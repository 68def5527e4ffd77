"""Metrics: one JSON object per line, appended and flushed per step; PNG plots at the end.

matplotlib is optional: :func:`plot_curves` returns None (and says why) when it is missing.
TensorBoard is optional too (the ``tensorboard`` extra): :class:`TensorBoardWriter` writes
every numeric field of a record as a scalar ``<phase>/<field>`` at the record's ``step``
through ``torch.utils.tensorboard``, and raises :class:`~m1env.errors.TrainerConfigError` naming
the extra when the ``tensorboard`` package is missing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from m1env.errors import TrainerConfigError

__all__ = ["MetricsWriter", "TensorBoardWriter", "plot_curves", "read_metrics"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class MetricsWriter:
    """Appends records to ``path`` (JSONL); keeps them in memory for plots and tables."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self.records: list[dict[str, Any]] = []
        self._fh: TextIO | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        clean = {k: _clean(v) for k, v in record.items()}
        self.records.append(clean)
        if self._fh is not None:
            self._fh.write(json.dumps(clean) + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class TensorBoardWriter:
    """Numeric fields of each record as TensorBoard scalars; see the module docstring.

    Records without a ``step`` (evaluations) are written at the number of records seen
    so far for their phase; the held-out tables' ``stage`` goes into the tag.
    """

    def __init__(self, logdir: str | Path) -> None:
        try:
            import tensorboard  # noqa: F401  (torch.utils.tensorboard needs it)
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise TrainerConfigError(
                "--tensorboard needs the tensorboard package: pip install 'm1env[tensorboard]'"
            ) from exc
        self.logdir = Path(logdir)
        self._writer = SummaryWriter(log_dir=str(self.logdir))
        self._counts: dict[str, int] = {}

    def write(self, record: dict[str, Any]) -> None:
        phase = str(record.get("phase", "train"))
        if "stage" in record:  # evaluation rows: eval/<stage>/<env>/accuracy
            phase = f"{phase}/{record['stage']}/{record.get('env', '')}".rstrip("/")
        self._counts[phase] = self._counts.get(phase, 0) + 1
        step = record.get("step")
        step = step if isinstance(step, int) and not isinstance(step, bool) else self._counts[phase]
        for key, value in record.items():
            if key == "step" or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                self._writer.add_scalar(f"{phase}/{key}", value, global_step=step)
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(json.loads(line))
    return out


def plot_curves(
    series: dict[str, Sequence[tuple[float, float]]],
    path: str | Path,
    *,
    title: str,
    xlabel: str = "step",
    ylabel: str = "value",
    hlines: Iterable[tuple[str, float]] = (),
) -> Path | None:
    """One line per series of ``(x, y)`` points; dashed horizontal reference lines."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed; skipping plot", path)
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, points in series.items():
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, label=label)
    for label, y in hlines:
        ax.axhline(y, linestyle="--", linewidth=1, color="grey")
        ax.annotate(label, (0, y), textcoords="offset points", xytext=(2, 2), fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, framealpha=0.7)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
