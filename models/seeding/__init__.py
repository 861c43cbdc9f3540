"""Internals of the synthetic-data seed (``models/seed.py`` is the entry point).

``names`` word lists, ``identity`` NIK/KK construction, ``generate`` the deterministic generator, ``writer`` the
bulk writer for SQLite and PostgreSQL.
"""
