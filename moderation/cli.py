"""The ``moderation`` command: database, tokens, demo data and the processes.

Built on Flask's CLI, so Flask-Migrate's ``moderation db upgrade`` comes with it.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext

from moderation import create_app
from moderation.cli_articles import COMMANDS as ARTICLE_COMMANDS
from moderation.cli_models import register as register_model_commands
from moderation.cli_scoring import register as register_scoring_commands
from moderation.cli_webhooks import webhooks_group
from moderation.config import Settings
from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.services import article_signing
from moderation.services import articles
from moderation.services import explain
from moderation.services import moderators
from moderation.services import surge
from moderation.services import wordlists


def _settings() -> Settings:
    return current_app.extensions["moderation.settings"]  # type: ignore[no-any-return]


def _now() -> dt.datetime:
    now: dt.datetime = current_app.extensions["moderation.deps"].clock.now()
    return now


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True)
def main() -> None:
    """Comment moderation service."""


def _moderator(email: str) -> Moderator:
    moderator = moderators.find_by_email(db.session(), email)
    if moderator is None:
        raise click.ClickException(f"no moderator {email}: create one with create-user")
    return moderator


@main.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in ModeratorRole]),
    default=ModeratorRole.MODERATOR.value,
    show_default=True,
)
@click.option("--name", "display_name", default="", help="Shown in the log (default: EMAIL).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input instead of generating one.",
)
@with_appcontext
def create_user(email: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Add a person to the moderation desk; prints their password if one was generated."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = moderators.generate_password()
    try:
        moderators.create_moderator(
            db.session(),
            email,
            role=ModeratorRole(role),
            display_name=display_name,
            password=password,
            now=_now(),
        )
    except ValidationFailed as exc:
        raise click.ClickException(f"cannot create {email}: {exc}") from None
    db.session.commit()
    click.echo(f"{moderators.normalise_email(email)} ({role}) created")
    if not password_stdin:
        click.echo(f"password: {password}")


@main.command("create-token")
@click.argument("email")
@click.option("--name", default="api", show_default=True, help="What the token is for.")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Issue an API token acting as the moderator EMAIL (printed once, stored hashed)."""
    raw = moderators.create_token(db.session(), _moderator(email), name, _now())
    db.session.commit()
    click.echo(raw)


@main.command("revoke-token")
@click.argument("email")
@click.option("--name", default=None, help="Only the tokens issued under this name.")
@with_appcontext
def revoke_token(email: str, name: str | None) -> None:
    """Revoke the moderator EMAIL's tokens."""
    count = moderators.revoke_tokens(db.session(), _moderator(email), _now(), name)
    db.session.commit()
    click.echo(f"revoked {count} token(s)")


@main.command("add-article")
@click.argument("key")
@click.option("--url", default="", help="The article's address on the site.")
@click.option("--title", default="", help="The article's headline.")
@with_appcontext
def add_article(key: str, url: str, title: str) -> None:
    """Register an article KEY (sites may also create them on first comment)."""
    articles.ensure_article(db.session(), key, url=url, title=title, now=_now())
    db.session.commit()
    click.echo(f"article {key} ready")


@main.command("close-article")
@click.argument("key")
@click.option("--reopen", is_flag=True, help="Open it again instead.")
@with_appcontext
def close_article(key: str, reopen: bool) -> None:
    """Stop (or resume) accepting comments on article KEY."""
    articles.set_open(db.session(), current_app.extensions["moderation.deps"], key, reopen)
    db.session.commit()
    click.echo(f"article {key} {'open' if reopen else 'closed'}")


DEMO_ARTICLES = {
    "demo": "Le conseil municipal adopte le budget 2027 après une séance tendue",
    "demo-2": "Transports : la nouvelle ligne de tramway retardée d’un an",
    "demo-3": "Les bibliothèques ouvriront le dimanche dès janvier",
    "demo-4": "Canicule : la ville ouvre trois « îlots de fraîcheur »",
}

DEMO_COMMENTS = (
    ("Claire M.", "Enfin un budget qui parle des écoles. Reste à voir l’exécution."),
    ("Jean-Pierre", "La hausse de la taxe foncière n’est pas mentionnée dans l’article ?"),
    ("Sofia", "Merci pour ce compte rendu détaillé de la séance, très utile."),
)
#: Held by the built-in toxicity model in ``make run``'s demo (in no word list).
DEMO_TOXIC_COMMENT = "Espèce de guignol, tu n'as rien compris, va te cacher."


@main.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Register the demo articles (keys ``demo``, ``demo-2``...), a few approved comments
    and one the worker will hold."""
    from moderation.models import Comment
    from moderation.services import comments
    from moderation.services import decisions
    from moderation.validation import CommentDraft

    deps = current_app.extensions["moderation.deps"]
    for key, title in DEMO_ARTICLES.items():
        articles.ensure_article(
            db.session(),
            key,
            url=f"http://127.0.0.1:8080/{key}",
            title=title,
            now=_now(),
        )
    demo = articles.find_article(db.session(), "demo")
    assert demo is not None
    if db.session.scalar(db.select(db.func.count(Comment.id)).where(Comment.article_id == demo.id)):
        db.session.commit()
        click.echo("demo articles ready")
        return
    for index, (name, body) in enumerate(DEMO_COMMENTS):
        draft = CommentDraft(author_name=name, email=f"lecteur{index}@example.org", body=body)
        comment = comments.submit_comment(db.session(), deps, draft, article_key="demo")
        decisions.apply_moderator_action(
            db.session(),
            deps,
            comment.public_id,
            decisions.Action.APPROVE,
            actor=decisions.Actor("demo"),
        )
    # Left to the worker: no word list holds it, the built-in toxicity model does, and the
    # queue shows it with its score (posted as from a form shown a minute earlier).
    comments.submit_comment(
        db.session(),
        deps,
        CommentDraft(author_name="Max", email="max@example.org", body=DEMO_TOXIC_COMMENT),
        article_key="demo",
        client=comments.ClientInfo(elapsed_seconds=60.0),
    )
    db.session.commit()
    click.echo("demo articles and comments ready")


DEMO_MODERATOR = "moderateur@demo.example"


@main.command("demo-login", hidden=True)
@with_appcontext
def demo_login() -> None:
    """Give the demo moderator a new password and token; prints email, password, token."""
    session, now = db.session(), _now()
    moderator = moderators.find_by_email(session, DEMO_MODERATOR)
    if moderator is None:
        moderator = moderators.create_moderator(
            session,
            DEMO_MODERATOR,
            role=ModeratorRole.ADMIN,
            display_name="Modérateur de démonstration",
            now=now,
        )
    password = moderators.generate_password()
    moderators.set_password(moderator, password)
    moderators.revoke_tokens(session, moderator, now, "demo")
    token = moderators.create_token(session, moderator, "demo", now)
    db.session.commit()
    click.echo(f"{moderator.email} {password} {token}")


@main.command("worker")
@click.option("--beat/--no-beat", default=False, help="Also run the periodic sweeper.")
@click.option("--concurrency", default=2, show_default=True)
@click.option("--loglevel", default="info", show_default=True)
@click.option(
    "--queues",
    default="",
    help="Comma-separated queues (checks, maintenance, webhooks, training); default: all.",
)
@click.option("--pool", default="prefork", show_default=True, help="Celery's execution pool.")
def worker(beat: bool, concurrency: int, loglevel: str, queues: str, pool: str) -> None:
    """Run a Celery worker (all queues unless --queues says otherwise)."""
    args = [
        "celery",
        "-A",
        "workers.main",
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        f"--loglevel={loglevel}",
    ]
    if queues:
        args.append(f"--queues={queues}")
    if beat:
        args.append("--beat")
    os.execvp(sys.executable, [sys.executable, "-m", *args])  # noqa: S606 - replaces the CLI


@main.command("beat")
@click.option("--loglevel", default="info", show_default=True)
def beat(loglevel: str) -> None:
    """Run the Celery beat scheduler (one per deployment)."""
    args = ["celery", "-A", "workers.main", "beat", f"--loglevel={loglevel}"]
    os.execvp(sys.executable, [sys.executable, "-m", *args])  # noqa: S606 - replaces the CLI


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--workers", "web_workers", default=2, show_default=True)
@click.option(
    "--demo-port",
    default=8080,
    show_default=True,
    help="Port of the demo newspaper page (0: none).",
)
def serve(host: str, port: int, web_workers: int, demo_port: int) -> None:
    """Run everything for a first look: migrations, demo data, web, a real worker, and a
    demo newspaper page on another origin that embeds the comments.

    The web runs under gunicorn; the worker runs with its beat (the sweeper) embedded.
    Ctrl-C stops them all.
    """
    python = sys.executable
    demo_origin = f"http://{host}:{demo_port}"
    if demo_port and not os.environ.get("MODERATION_ALLOWED_SITES"):
        # The demo page is another origin: allow it to embed and post (first run only;
        # a configured list is left alone).
        os.environ["MODERATION_ALLOWED_SITES"] = demo_origin
    subprocess.run([python, "-m", "moderation.cli", "db", "upgrade"], check=True)
    subprocess.run([python, "-m", "moderation.cli", "seed-demo"], check=True)
    # A fresh password and API token for the demo moderator at every start.
    login = subprocess.run(
        [python, "-m", "moderation.cli", "demo-login"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    email, password, token = login[0], login[1], login[2]
    children = [
        # One task at a time either way: the solo pool runs it in the worker process
        # itself, without a child and the pipe to it (it enforces no time limits; a
        # deployment runs prefork workers).
        subprocess.Popen(
            [python, "-m", "moderation.cli", "worker", "--beat", "--concurrency=1", "--pool=solo"]
        ),
        subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "--workers",
                str(web_workers),
                "--bind",
                f"{host}:{port}",
                "moderation.wsgi:app",
            ]
        ),
    ]
    if demo_port:
        demo = [python, "-m", "moderation.demo_host", "--host", host, "--port", str(demo_port)]
        # The demo newspaper signs its snippet like a CMS would, with its site's secret.
        key = article_signing.site_secret(Settings.from_env().secret_key, demo_origin)
        demo += ["--service", f"http://{host}:{port}", "--signing-key", key]
        children.append(subprocess.Popen(demo))
    base = f"http://{host}:{port}"
    click.echo(
        (f"\n  demo newspaper: {demo_origin}/  (and {demo_origin}/en)" if demo_port else "")
        + f"\n  web:            {base}/\n"
        f"  demo article:   {base}/demo\n"
        f"  API document:   {base}/api/v1/openapi.json\n"
        f"  workspace:      {base}/moderate/\n"
        f"  moderator:      {email} / {password}\n"
        f"  moderator API:  curl -H 'Authorization: Bearer {token}' "
        f"{base}/api/v1/moderation/comments?status=held\n"
    )

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # leave through the `finally` below, stopping the children

    # A service manager (or `timeout`) stops us with SIGTERM: the children must go too.
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


@main.group("words")
def words_group() -> None:
    """The word list (terms that reject, hold or flag a comment)."""


@words_group.command("add")
@click.argument("term")
@click.option("--action", type=click.Choice(["reject", "hold", "flag"]), default="reject")
@click.option("--language", default="any", show_default=True, help="fr, en ... or any.")
@click.option("--article", "article_key", default=None, help="Only for this article.")
@with_appcontext
def words_add(term: str, action: str, language: str, article_key: str | None) -> None:
    """Add TERM to the word list (workers pick it up at their next check)."""
    wordlists.add_word(
        db.session(),
        term,
        action=action,
        language=language,
        article_key=article_key,
        actor="cli",
        now=_now(),
    )
    db.session.commit()
    click.echo(f"{term}: {action}")


@words_group.command("remove")
@click.argument("term")
@with_appcontext
def words_remove(term: str) -> None:
    """Remove TERM from the word list."""
    count = wordlists.remove_word(db.session(), term)
    db.session.commit()
    click.echo(f"removed {count} entr{'y' if count == 1 else 'ies'}")


@words_group.command("list")
@with_appcontext
def words_list() -> None:
    """Print the admins' entries (the seed lists are in docs/moderation.md)."""
    for entry in wordlists.words(db.session()):
        scope = entry.article_key or "site"
        click.echo(f"{entry.term}\t{entry.action}\t{entry.language}\t{scope}")


@main.group("block")
def block_group() -> None:
    """The block and allow lists (emails, email domains, addresses, networks)."""


@block_group.command("add")
@click.argument("kind", type=click.Choice(["email", "email_domain", "ip", "cidr"]))
@click.argument("value")
@click.option(
    "--action",
    type=click.Choice(["spam", "reject", "hold", "allow"]),
    default="spam",
    show_default=True,
)
@click.option("--days", type=int, default=None, help="Expire after this many days.")
@click.option("--note", default="", help="Why (shown to moderators).")
@with_appcontext
def block_add(kind: str, value: str, action: str, days: int | None, note: str) -> None:
    """Add an entry. An email is stored only as its keyed hash."""
    from moderation.services.privacy import email_hash

    now = _now()
    if kind == "email":
        value = email_hash(_settings().secret_key, value.strip())
    expires = now + dt.timedelta(days=days) if days else None
    settings = _settings()
    try:
        row = wordlists.add_block(
            db.session(),
            kind,
            value,
            action=action,
            expires_at=expires,
            note=note,
            actor="cli",
            now=now,
            ip_storage=settings.ip_storage,
        )
    except ValidationFailed as exc:
        raise click.UsageError(_block_refusal(exc, settings.ip_storage.value)) from None
    db.session.commit()
    click.echo(f"block rule {row.id}: {kind} -> {action}")


def _block_refusal(exc: ValidationFailed, ip_storage: str) -> str:
    codes = {error.code: error.params for error in exc.errors}
    if "ip_rule_not_kept" in codes:
        return (
            f"MODERATION_IP_STORAGE is {ip_storage}: no address is kept, so an ip or cidr "
            "rule could never match"
        )
    if "ip_rule_truncated" in codes:
        prefix = codes["ip_rule_truncated"]["prefix"]
        return (
            f"MODERATION_IP_STORAGE is {ip_storage}: only each address's /{prefix} network "
            f"is kept, so block a network of /{prefix} or wider (cidr), not one address"
        )
    return "invalid block rule: " + ", ".join(f"{e.field} ({e.code})" for e in exc.errors)


@main.command("explain")
@click.argument("comment_id")
@with_appcontext
def explain_command(comment_id: str) -> None:
    """Print the full reasoning behind COMMENT_ID's status (its public id)."""
    for line in explain.explanation_lines(explain.explain(db.session(), comment_id)):
        click.echo(line)


@main.command("replay")
@click.option("--since", required=True, help="A date (2026-11-01) or an ISO time.")
@with_appcontext
def replay_command(since: str) -> None:
    """Re-run today's rules over comments since a date and report what would change.

    A dry run: nothing is written.
    """
    start = dt.datetime.fromisoformat(since)
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    deps = current_app.extensions["moderation.deps"]
    count, changes = explain.replay(db.session(), deps, start)
    db.session.rollback()
    for change in changes:
        click.echo(
            f"{change.public_id}\t{change.article_key}\t{change.current} -> "
            f"{change.replayed}\t{', '.join(change.reasons)}"
        )
    click.echo(f"{count} comments replayed, {len(changes)} would change")


@main.command("end-surge")
@click.argument("article_key")
@with_appcontext
def end_surge_command(article_key: str) -> None:
    """End surge mode on ARTICLE_KEY."""
    surge.end_surge(db.session(), current_app.extensions["moderation.deps"], article_key)
    db.session.commit()
    click.echo(f"article {article_key}: surge mode off")


main.add_command(webhooks_group)
register_model_commands(main)
register_scoring_commands(main)
for _command in ARTICLE_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
