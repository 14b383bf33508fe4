"""Persistence: SQLModel tables, the repository functions handlers call, and Alembic migrations."""
