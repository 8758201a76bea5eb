"""WSGI entry point for gunicorn: ``gunicorn moderation.wsgi:app``."""

from __future__ import annotations

from moderation import create_app

app = create_app()
