"""Alembic migrations of the fieldbot database (run through :mod:`fieldbot.dbadmin`)."""
