"""The article commands of ``moderation``: signing snippets for a CMS, correcting articles.

``site-key`` prints a configured site's signing secret (for the CMS template),
``sign-article`` prints a ready snippet with its signature, ``correct-article`` fixes an
article's title or address. Kept beside cli.py to keep that module under its size.
"""

from __future__ import annotations

import html

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.db import db
from moderation.errors import ArticleNotFound
from moderation.errors import ValidationFailed
from moderation.services import article_signing
from moderation.services import articles
from moderation.services.ports import Deps


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _site(url_or_site: str) -> str:
    sites = _deps().settings.allowed_sites
    if url_or_site in sites:
        return url_or_site
    site = article_signing.site_of(url_or_site, sites)
    if site is None:
        configured = ", ".join(sites) or "none"
        raise click.UsageError(
            f"{url_or_site!r} is not on a site of MODERATION_ALLOWED_SITES ({configured})"
        )
    return site


@click.command("site-key")
@click.argument("site")
@with_appcontext
def site_key(site: str) -> None:
    """Print the article-signing secret of SITE (an ALLOWED_SITES entry or a page URL)."""
    chosen = _site(site)
    click.echo(article_signing.site_secret(_deps().settings.secret_key, chosen))


@click.command("sign-article")
@click.argument("key")
@click.option("--url", required=True, help="The article's address on the site.")
@click.option("--title", required=True, help="The article's headline, exactly as sent.")
@with_appcontext
def sign_article(key: str, url: str, title: str) -> None:
    """Print the embed snippet of article KEY, signed for the site its URL is on."""
    settings = _deps().settings
    secret = article_signing.site_secret(settings.secret_key, _site(url))
    signature = article_signing.signature(secret, key, url, title)
    attributes = {
        "data-moderation-article": key,
        "data-url": url,
        "data-title": title,
        "data-signature": signature,
    }
    rendered = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    click.echo(f"<div {rendered}></div>")
    click.echo(f'<script src="{html.escape(settings.site_url)}/embed.js" async></script>')


@click.command("correct-article")
@click.argument("key")
@click.option("--url", default=None, help="The right address (on a configured site).")
@click.option("--title", default=None, help="The right headline.")
@with_appcontext
def correct_article(key: str, url: str | None, title: str | None) -> None:
    """Correct the address and/or the title of article KEY."""
    if url is None and title is None:
        raise click.UsageError("give --url, --title or both")
    try:
        article = articles.update_article_details(
            db.session(), _deps(), key, url=url, title=title, moderator_id=None
        )
    except ArticleNotFound:
        raise click.ClickException(f"no article {key!r}") from None
    except ValidationFailed as exc:
        fields = ", ".join(f"{e.field} ({e.code})" for e in exc.errors)
        raise click.ClickException(f"refused: {fields}") from None
    db.session.commit()
    click.echo(f"article {article.key}: {article.title} <{article.url}>")


COMMANDS = (site_key, sign_article, correct_article)
