"""Persistence: SQLAlchemy Core tables, repositories and Alembic migrations.

SQLite is the embedded default; PostgreSQL serves several replicas. Every datetime stored or
returned here is timezone-aware UTC.
"""
