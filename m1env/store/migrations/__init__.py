"""Alembic migrations of the episode store (run them with ``m1env db upgrade``)."""
