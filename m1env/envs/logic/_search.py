"""Backtracking over bitmask domains, shared by the solvers that prove uniqueness.

A domain is one int per variable whose set bits are the values still possible. The
caller's ``propagate(dom)`` narrows the domains in place and returns False on a
contradiction; the search branches on the undecided variable with the fewest values.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["bitmask_search"]


def bitmask_search(
    dom: list[int], propagate: Callable[[list[int]], bool], limit: int
) -> list[list[int]]:
    """Up to ``limit`` solutions, each the value (bit index) of every variable."""
    found: list[list[int]] = []

    def search(dom: list[int]) -> None:
        if not propagate(dom):
            return
        best, best_k = -1, 1 << 30
        for var, d in enumerate(dom):
            k = d.bit_count()
            if 1 < k < best_k:
                best, best_k = var, k
        if best < 0:
            found.append([d.bit_length() - 1 for d in dom])
            return
        mask = dom[best]
        while mask and len(found) < limit:
            bit = mask & -mask
            mask ^= bit
            trial = list(dom)
            trial[best] = bit
            search(trial)

    search(list(dom))
    return found
