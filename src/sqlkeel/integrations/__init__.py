"""Integrations with other tools: SQLAlchemy engines (:mod:`sqlkeel.integrations.sqlalchemy`).

Nothing here is imported by ``import sqlkeel``; each module imports its tool when used.
"""
