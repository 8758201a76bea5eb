# One image for every process of the service: web (gunicorn, the default CMD), the Celery
# worker and Celery beat. docker-compose.yml runs it three ways; see docs/deployment.md.
#
# Python 3.11: the version the project is type-checked and tested against.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user; its home /app is the working directory, so the default
# MODERATION_INSTANCE_DIR (./instance) is /app/instance and writable.
RUN groupadd --system --gid 10001 moderation \
 && useradd --system --uid 10001 --gid moderation --home-dir /app --shell /usr/sbin/nologin moderation \
 && mkdir -p /app/instance \
 && chown -R moderation:moderation /app

# Dependencies first, in their own layer, so a code change does not reinstall them: the
# locked runtime set, every file checked against its hash (`make lock` writes the lock).
COPY requirements.lock /tmp/build/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/build/requirements.lock

# The project itself, as a regular (non-editable) wheel install. The hatch wheel holds
# `moderation` (with its migrations, static files and translation sources), `workers`,
# and force-includes `templates/` at the top of site-packages, which is exactly where
# moderation.TEMPLATES_DIR (the package directory's parent / "templates") looks.
COPY pyproject.toml README.md babel.cfg /tmp/build/
COPY moderation /tmp/build/moderation
COPY workers /tmp/build/workers
COPY templates /tmp/build/templates
# Translations are compiled in the *installed* package: hatch leaves out files matched by
# the project's .gitignore, which ignores *.mo, so .mo files compiled beforehand would not
# reach the wheel. `cd /` so that `import moderation` finds the installed copy, not the
# build directory. The last command fails the build if the templates or the compiled
# catalogues are not where the application looks for them.
RUN pip install --no-cache-dir --no-deps /tmp/build \
 && cd / \
 && pybabel compile -d "$(python -c 'import moderation; print(moderation.PACKAGE_DIR / "translations")')" \
 && python -c "import moderation as m; assert (m.TEMPLATES_DIR / 'base.html').is_file(), m.TEMPLATES_DIR; assert sorted(m.PACKAGE_DIR.glob('translations/*/LC_MESSAGES/messages.mo')), 'no .mo'" \
 && rm -rf /tmp/build

USER moderation
WORKDIR /app

EXPOSE 5000

# Liveness for the web process: the health endpoint also checks the database. urlopen
# raises (exit status 1) on a refused connection, a timeout or any non-2xx answer.
# docker-compose.yml turns it off for the worker and beat, which serve no HTTP.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/api/v1/health', timeout=4)"]

# Web by default (exec form, so gunicorn itself receives SIGTERM and shuts down gracefully).
# No access log on purpose: it would print client addresses, which the service's logs never
# contain. Worker heartbeat files in /dev/shm (memory), as gunicorn advises for containers.
# The worker and beat commands are in docker-compose.yml.
CMD ["gunicorn", "--workers", "2", "--bind", "0.0.0.0:5000", "--worker-tmp-dir", "/dev/shm", "moderation.wsgi:app"]
