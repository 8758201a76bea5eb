"""Celery workers of the moderation service.

Start one with ``moderation worker`` (or ``celery -A workers.main worker -l info``), and
the periodic sweeper with ``moderation beat``.
"""
