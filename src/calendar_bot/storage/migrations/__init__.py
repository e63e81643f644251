"""Alembic migrations (a package so that env.py ships in the wheel)."""
