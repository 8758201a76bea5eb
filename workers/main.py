"""Process entry point for the ``celery`` command: ``celery -A workers.main worker``.

The one place the Celery application is built at import time, because the ``celery``
command needs a module attribute; settings still come from the environment once.
"""

from __future__ import annotations

from moderation import settle_collector
from moderation.config import Settings
from workers.app import make_celery

app = make_celery(Settings.from_env())
# Before the pool forks: the children share the frozen objects and never walk them.
settle_collector()
