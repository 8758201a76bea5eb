"""A stand-in for a newspaper's website: one article page that embeds the comment section.

It runs on its own origin, as a real newspaper would, and knows nothing of the service but
its address: it imports no application code and serves one template, ``templates/demo/
host.html``, with the service URL and the page's words filled in (French at ``/``, English
at ``/en``). ``--hostile-css`` adds ``/hostile``, the same page under aggressive global CSS,
which the browser tests use to prove the widget's isolation.

    python -m moderation.demo_host --port 8080 --service http://127.0.0.1:5000 \
        --signing-key "$(moderation site-key http://127.0.0.1:8080)"

With ``--signing-key`` (the site's secret, as a CMS would keep it) every snippet carries
``data-signature``: the HMAC-SHA256 over key, address and title that lets the service
create the article on its first comment (see docs/article-signing.md).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import sys
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from string import Template
from urllib.parse import urlsplit

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "templates" / "demo" / "host.html"

#: Global rules a careless site might ship; none of them may reach inside the widget.
HOSTILE_CSS = """\
  <style>
    /* Hostile stylesheet (test page only): none of this may change the widget. */
    * { color: red !important; font-size: 40px !important; line-height: 3 !important;
        font-family: "Comic Sans MS", cursive !important; letter-spacing: 4px !important;
        text-transform: uppercase !important; }
    button, input, textarea, select { display: none !important; }
    p { margin: 5em; }
    ol, ul, li { list-style: square inside !important; padding: 3em !important; }
    section, article, form { background: yellow !important; border: 6px dashed lime !important; }
    h2, h3 { visibility: hidden !important; }
  </style>
"""

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "skip_to_comments": "Aller aux commentaires",
        "tagline": "Le quotidien de la ville et de sa région depuis 1898",
        "sections_label": "Rubriques",
        "section_politics": "Politique",
        "section_economy": "Économie",
        "section_society": "Société",
        "section_culture": "Culture",
        "section_sport": "Sports",
        "kicker": "Politique locale",
        "headline": "Le conseil municipal adopte le budget 2027 après une séance tendue",
        "standfirst": (
            "Après plus de six heures de débats, la majorité a fait voter un budget de "
            "412 millions d’euros, marqué par la rénovation des écoles et une hausse "
            "contestée des tarifs de stationnement."
        ),
        "by": "Par",
        "published": "Publié le 24 novembre 2026 à 7 h 15",
        "teaser_1": (
            "Il était près de minuit, lundi, quand la maire a enfin pu annoncer le résultat "
            "du vote : 31 voix pour, 18 contre et 4 abstentions. Dans une salle du conseil "
            "pleine à craquer, une partie du public a accueilli la décision par des "
            "applaudissements, l’autre par des sifflets."
        ),
        "teaser_2": (
            "Les investissements atteignent un niveau inédit depuis dix ans. La rénovation "
            "thermique de quatorze groupes scolaires en absorbe près du tiers, tandis que "
            "l’opposition dénonce « un budget construit à crédit » et réclame un audit "
            "indépendant de la dette de la ville."
        ),
        "paywall_title": "La suite de cet article est réservée aux abonnés",
        "paywall_text": (
            "Abonnez-vous pour lire la suite, accéder à toutes nos enquêtes et soutenir "
            "une information locale indépendante."
        ),
        "paywall_button": "S’abonner pour 1 € le premier mois",
        "paywall_login": "Déjà abonné ? Se connecter",
        "related_title": "Lire aussi",
        "related_2": "Transports : la nouvelle ligne de tramway retardée d’un an",
        "related_3": "Les bibliothèques ouvriront le dimanche dès janvier",
        "related_4": "Canicule : la ville ouvre trois « îlots de fraîcheur »",
        "noscript_link": "Lire et écrire les commentaires",
        "footer": "Le Courrier du Matin est un journal fictif, pour la démonstration.",
    },
    "en": {
        "skip_to_comments": "Skip to comments",
        "tagline": "The daily paper of the city and its region since 1898",
        "sections_label": "Sections",
        "section_politics": "Politics",
        "section_economy": "Economy",
        "section_society": "Society",
        "section_culture": "Culture",
        "section_sport": "Sport",
        "kicker": "Local politics",
        "headline": "City council passes the 2027 budget after a tense session",
        "standfirst": (
            "After more than six hours of debate, the majority passed a budget of "
            "€412 million, led by school renovations and a disputed rise in parking fees."
        ),
        "by": "By",
        "published": "Published on 24 November 2026 at 7:15 am",
        "teaser_1": (
            "It was almost midnight on Monday when the mayor could finally announce the "
            "result: 31 votes for, 18 against and 4 abstentions. In a packed council "
            "chamber, part of the public applauded the decision and part of it booed."
        ),
        "teaser_2": (
            "Investment reaches a level not seen for ten years. Insulating fourteen "
            "school buildings takes almost a third of it, while the opposition denounces "
            "“a budget built on credit” and calls for an independent audit of the debt."
        ),
        "paywall_title": "The rest of this article is for subscribers only",
        "paywall_text": (
            "Subscribe to read on, get all our investigations and support independent local news."
        ),
        "paywall_button": "Subscribe for €1 the first month",
        "paywall_login": "Already a subscriber? Log in",
        "related_title": "Read also",
        "related_2": "Transport: the new tram line delayed by a year",
        "related_3": "Libraries will open on Sundays from January",
        "related_4": "Heatwave: the city opens three “cool islands”",
        "noscript_link": "Read and write comments",
        "footer": "Le Courrier du Matin is a fictional newspaper, for demonstration.",
    },
}

#: path -> (language, with the hostile stylesheet)
PAGES: dict[str, tuple[str, bool]] = {"/": ("fr", False), "/en": ("en", False)}
HOSTILE_PAGE = "/hostile"
ARTICLE_KEY = "demo"


def snippet_signature(signing_key: str, key: str, url: str, title: str) -> str:
    """What a CMS computes for its snippet: HMAC-SHA256 of key, URL and title, in hex."""
    message = f"{key}\n{url}\n{title}".encode()
    return hmac.new(signing_key.encode(), message, hashlib.sha256).hexdigest()


def service_origin(value: str) -> str:
    """The service's base URL, checked: http(s), a host, no query or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"not an http(s) base URL: {value!r}")
    return value.strip().rstrip("/")


def render_page(
    template: str,
    *,
    lang: str,
    service: str,
    page_url: str,
    hostile: bool = False,
    signing_key: str = "",
) -> str:
    """The article page in ``lang``; every substituted value is escaped for HTML."""
    headline = WORDS[lang]["headline"]
    signature = (
        snippet_signature(signing_key, ARTICLE_KEY, page_url, headline) if signing_key else ""
    )
    values: Mapping[str, str] = {
        **WORDS[lang],
        "lang": lang,
        "service": service,
        "article_url": page_url,
        "signature": signature,
        "home_path": "" if lang == "fr" else lang,
    }
    escaped = {key: html.escape(value, quote=True) for key, value in values.items()}
    # The only unescaped insertion: our own constant stylesheet, never request data.
    escaped["extra_head"] = HOSTILE_CSS if hostile else ""
    return Template(template).substitute(escaped)


class DemoHandler(BaseHTTPRequestHandler):
    """Serves the article page(s) and nothing else."""

    server: DemoServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - as above
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        path = urlsplit(self.path).path
        page = PAGES.get(path)
        if path == HOSTILE_PAGE and self.server.hostile_css:
            page = ("fr", True)
        if page is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", with_body)
            return
        lang, hostile = page
        # Read on every request: editing the template shows on the next reload.
        body = render_page(
            TEMPLATE_PATH.read_text(encoding="utf-8"),
            lang=lang,
            service=self.server.service,
            page_url=f"{self.server.base_url}{path}",
            hostile=hostile,
            signing_key=self.server.signing_key,
        ).encode()
        self._send(HTTPStatus.OK, body, "text/html; charset=utf-8", with_body)

    def _send(self, status: HTTPStatus, body: bytes, mimetype: str, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mimetype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"demo_host {self.address_string()} {format % args}\n")


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], service: str, hostile_css: bool, signing_key: str = ""
    ) -> None:
        super().__init__(address, DemoHandler)
        self.service = service
        self.hostile_css = hostile_css
        self.signing_key = signing_key
        host, port = self.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    parser.add_argument(
        "--service",
        type=service_origin,
        default="http://127.0.0.1:5000",
        help="base URL of the comment service (default: %(default)s)",
    )
    parser.add_argument(
        "--hostile-css",
        action="store_true",
        help="also serve /hostile, the page under aggressive global CSS (tests)",
    )
    parser.add_argument(
        "--signing-key",
        default="",
        help="this site's article-signing secret (moderation site-key URL); none: unsigned",
    )
    args = parser.parse_args(argv)
    server = DemoServer((args.host, args.port), args.service, args.hostile_css, args.signing_key)
    print(f"demo newspaper on {server.base_url}/ (service {args.service})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
