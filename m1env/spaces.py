"""A gymnasium space of arbitrary Unicode text.

``gymnasium.spaces.Text`` only admits a fixed character set, which cannot hold
LaTeX, code or model output; observations and actions here are any ``str`` up to
``max_length`` characters.
"""

from __future__ import annotations

from typing import Any

from gymnasium.spaces import Space

__all__ = ["UnicodeText"]

# What ``sample`` draws from: printable ASCII, whitespace and a few multi-byte
# characters, so random actions exercise non-ASCII paths in verifiers.
_SAMPLE_ALPHABET = [chr(c) for c in range(32, 127)] + ["\n", "\t", "é", "π", "√", "∞", "中", "😀"]


class UnicodeText(Space[str]):
    """Any ``str`` of at most ``max_length`` characters (``min_length`` at least)."""

    def __init__(self, max_length: int = 1_000_000, *, min_length: int = 0, seed: Any = None):
        if min_length < 0 or max_length < min_length:
            raise ValueError(f"need 0 <= min_length <= max_length, got {min_length}, {max_length}")
        self.min_length = min_length
        self.max_length = max_length
        super().__init__(dtype=str, seed=seed)

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        if mask is not None or probability is not None:
            raise ValueError("UnicodeText.sample takes no mask or probability")
        hi = min(self.max_length, self.min_length + 64)
        length = int(self.np_random.integers(self.min_length, hi + 1))
        picks = self.np_random.integers(0, len(_SAMPLE_ALPHABET), size=length)
        return "".join(_SAMPLE_ALPHABET[i] for i in picks)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str) and self.min_length <= len(x) <= self.max_length

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"UnicodeText({self.min_length}, {self.max_length})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, UnicodeText)
            and other.min_length == self.min_length
            and other.max_length == self.max_length
        )

    def __hash__(self) -> int:
        return hash((UnicodeText, self.min_length, self.max_length))

    def to_jsonable(self, sample_n: Any) -> list[str]:
        return list(sample_n)

    def from_jsonable(self, sample_n: list[str]) -> list[str]:
        return list(sample_n)
