"""Sandbox backends: ``bwrap`` (namespaces), ``docker`` (containers), ``process`` (rlimits)."""

from __future__ import annotations

__all__: list[str] = []
