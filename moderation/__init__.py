"""Self-hosted comment moderation for news sites.

:func:`create_app` is the only application factory. It imports the web layer inside the
function, so a worker importing ``moderation.services`` never loads a view.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from moderation.config import Settings
    from moderation.services.ports import Deps

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(
    settings: Settings | None = None, *, deps: Deps | None = None, with_web: bool = True
) -> Flask:
    """Build the Flask application.

    :param settings: defaults to ``Settings.from_env()``.
    :param deps: the services' collaborators; built from ``settings`` when omitted.
    :param with_web: ``False`` for the workers: database and services only, no routes.
    """
    from flask import Flask
    from flask_migrate import Migrate

    from moderation.config import Settings
    from moderation.db import db
    from moderation.db import engine_options
    from moderation.services.wiring import build_deps

    settings = settings or Settings.from_env()
    configure_logging(settings)
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=str(Path(settings.instance_dir).resolve()),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings.database_url),
        MAX_CONTENT_LENGTH=settings.max_content_length,
        BABEL_TRANSLATION_DIRECTORIES=str(PACKAGE_DIR / "translations"),
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        MODERATION_DEFAULT_LOCALE=settings.default_locale,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    db.init_app(app)
    Migrate(app, db, directory=str(PACKAGE_DIR / "migrations"))
    app.extensions["moderation.settings"] = settings
    app.extensions["moderation.deps"] = deps or build_deps(settings)
    if with_web:
        from moderation.web import register_web

        register_web(app, settings)
    return app


def configure_logging(settings: Settings) -> None:
    """key=value lines on stderr; ids and verdicts only, never bodies, emails or IPs."""
    root = logging.getLogger()
    if not any(getattr(h, "_moderation", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(
            logging.Formatter("%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
        )
        handler._moderation = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(settings.log_level)


def settle_collector() -> None:
    """Take what the process holds now out of the cyclic garbage collector's walks.

    For a process that has just built its application and is about to serve (gunicorn's
    workers, Celery's before they fork). A full collection walks every tracked object, and
    with the application loaded that is some 200,000 of them: about 50 ms, paid by
    whichever request or task happens to trigger it. Frozen, they are never walked again
    (they live as long as the process anyway); what requests create is still collected.
    """
    gc.collect()
    gc.freeze()
