"""Alembic revisions; each file is one revision, checked by hand."""
