"""What sites embed: the script, its strings, the no-JavaScript page, reports, WordPress."""

from __future__ import annotations

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.web.i18n import WIDGET_MESSAGES
from tests.conftest import ALLOWED_SITE
from tests.dates import ENGLISH_MONTHS
from tests.dates import FRENCH_MONTHS
from tests.dates import PARIS
from tests.dates import one_per_month
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status

PAGE = "/embed/articles/{key}"


def approved(app: Flask, client: FlaskClient, **fields: object) -> str:
    public_id = post(client, **fields)
    set_status(app, public_id, CommentStatus.APPROVED)
    return public_id


def test_embed_script_is_served_to_any_page(client: FlaskClient) -> None:
    with client.get("/embed.js") as response:
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "max-age=3600" in response.headers["Cache-Control"]


def test_widget_messages_come_in_both_languages(client: FlaskClient) -> None:
    french = client.get("/api/v1/embed/messages?lang=fr")
    english = client.get("/api/v1/embed/messages", headers={"Accept-Language": "en-US"})
    fr, en = french.get_json(), english.get_json()
    assert set(fr["messages"]) == set(WIDGET_MESSAGES) | {"count_one", "count_other"}
    assert fr["messages"]["be_first"] == "Soyez le premier à commenter"
    assert fr["messages"]["leave_comment"] == "Laisser un commentaire"
    assert fr["messages"]["count_other"] == "%(num)d commentaires"
    assert en["messages"]["be_first"] == "Be the first to comment"
    assert en["lang"] == "en"
    assert fr["honeypot_field"] == "company"
    assert "render_token" not in fr  # per article and single-use: see the form-token tests
    assert french.headers["Cache-Control"] == "no-store"


def test_page_shows_thread_and_may_be_framed_by_configured_sites(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    root = approved(app, client, author_name="Hélène", body="Premier avis")
    approved(app, client, author_name="Marc", body="Réponse", parent_id=root)
    page = client.get(PAGE.format(key="a1") + "?lang=fr")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 commentaires" in text
    assert "Hélène" in text
    assert "Marc" in text
    assert "Laisser un commentaire" in text
    csp = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {ALLOWED_SITE}" in csp
    assert "script-src" not in csp  # default-src 'none': no script at all on this page
    empty = client.get(PAGE.format(key="nouveau") + "?lang=fr").get_data(as_text=True)
    assert "Soyez le premier à commenter" in empty


def test_page_form_posts_and_comes_back_with_a_message(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(
        PAGE.format(key="a1") + "/comments?lang=fr",
        data={"author_name": "Inès", "email": "ines@example.org", "body": "Très juste."},
    )
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    posted = parse_qs(location.query)["posted"][0]
    assert location.fragment == "comments"
    with app.app_context():
        assert (
            db.session.scalar(sa.select(Comment.status).where(Comment.public_id == posted))
            is CommentStatus.PENDING
        )
    back = client.get(f"{location.path}?{location.query}").get_data(as_text=True)
    assert "Votre commentaire est en attente de modération." in back


def test_page_form_errors_keep_what_was_typed(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    response = client.post(
        PAGE.format(key="a1") + "/comments?lang=fr",
        data={"author_name": "", "email": "pas-valide", "body": "Mon long texte <b>gras</b>"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ce champ est obligatoire." in text
    assert "Saisissez une adresse e-mail valide." in text
    assert 'value="pas-valide"' in text
    assert "Mon long texte &lt;b&gt;gras&lt;/b&gt;</textarea>" in text
    assert 'aria-invalid="true" aria-describedby="e-email"' in text


def test_page_reply_link_targets_the_comment(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    root = approved(app, client, author_name="Hélène")
    text = client.get(PAGE.format(key="a1") + f"?lang=fr&reply_to={root}").get_data(as_text=True)
    assert "Répondre à Hélène" in text
    assert f'name="parent_id" value="{root}"' in text


def test_reports_count_once_per_reader(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = approved(app, client)
    url = f"/api/v1/comments/{public_id}/reports"
    assert client.post(url, json={"reason": "abusive"}).status_code == 202
    assert client.post(url, json={"reason": "spam"}).status_code == 202
    other_reader = client.post(
        url, json={"reason": "spam"}, environ_base={"REMOTE_ADDR": "192.0.2.44"}
    )
    assert other_reader.status_code == 202
    assert client.post(url, json={"reason": "nonsense"}).status_code == 422
    with app.app_context():
        reasons = sorted(r.value for r in db.session.scalars(sa.select(Report.reason)))
    assert reasons == ["abusive", "spam"]
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    detail = client.get(f"/api/v1/moderation/comments/{public_id}", headers=token).get_json()
    assert detail["report_count"] == 2
    pending = post(client)
    assert (
        client.post(f"/api/v1/comments/{pending}/reports", json={"reason": "spam"}).status_code
        == 404
    )


def test_page_report_form_records_and_thanks(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    public_id = approved(app, client)
    response = client.post(
        f"/embed/comments/{public_id}/reports?lang=fr", data={"reason": "off_topic"}
    )
    assert response.status_code == 303
    back = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merci, l’équipe de modération va examiner ce commentaire." in back
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 1


def test_wordpress_form_is_accepted_and_sends_the_reader_back(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app, "1234")
    form = {
        "author": "Paul",
        "email": "paul@example.org",
        "url": "paul.example",
        "comment": "Merci !",
        "comment_post_ID": "1234",
        "comment_parent": "0",
        "redirect_to": f"{ALLOWED_SITE}/2026/11/budget/?utm=x",
    }
    response = client.post("/wp-comments-post.php", data=form)
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == ALLOWED_SITE
    query = parse_qs(location.query)
    assert query["utm"] == ["x"]
    assert "moderation_comment" not in query  # a bare id proves nothing: a hand-off does
    public_id, _dot, handoff = query["moderation_handoff"][0].partition(".")
    # The hand-off shows the reader their own comment once, and only once.
    url = f"/api/v1/comments/{public_id}"
    assert client.get(url).status_code == 404
    shown = client.get(url, headers={"Moderation-Handoff": handoff})
    assert (shown.status_code, shown.get_json()["status"]) == (200, "pending")
    assert client.get(url, headers={"Moderation-Handoff": handoff}).status_code == 404
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
        assert comment is not None
        assert (comment.author_name, comment.website, comment.body_text) == (
            "Paul",
            "https://paul.example",
            "Merci !",
        )


def test_wordpress_form_never_redirects_elsewhere(app: Flask, client: FlaskClient) -> None:
    add_article(app, "1234")
    form = {
        "author": "Paul",
        "email": "paul@example.org",
        "comment": "Merci !",
        "comment_post_ID": "1234",
        "redirect_to": "https://evil.test/phish",
    }
    # (A Referer from evil.test would be refused outright: tests/web/test_cross_site.py.)
    response = client.post("/wp-comments-post.php", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/embed/articles/1234?posted=")


def test_wordpress_form_errors_in_french(app: Flask, client: FlaskClient) -> None:
    add_article(app, "1234")
    response = client.post(
        "/wp-comments-post.php",
        data={"author": "", "email": "x", "comment": "ok", "comment_post_ID": "1234"},
        headers={"Accept-Language": "fr", "Referer": f"{ALLOWED_SITE}/article"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nom : Ce champ est obligatoire." in text
    assert f'href="{ALLOWED_SITE}/article"' in text


def test_cors_follows_the_configured_sites(app_with) -> None:  # type: ignore[no-untyped-def]
    configured = app_with(allowed_sites=("https://www.journal.example",))
    add_article(configured)
    client = configured.test_client()
    allowed = client.get(
        "/api/v1/counts?article=a1", headers={"Origin": "https://www.journal.example"}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://www.journal.example"
    foreign = client.get("/api/v1/counts?article=a1", headers={"Origin": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in foreign.headers
    other_port = client.get(
        "/api/v1/counts?article=a1", headers={"Origin": "https://www.journal.example:8443"}
    )
    assert "Access-Control-Allow-Origin" not in other_port.headers
    open_reads = app_with(allowed_sites=()).test_client()
    response = open_reads.get("/api/v1/counts?article=a1", headers={"Origin": "https://x.test"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    write = open_reads.options("/api/v1/articles/a1/comments", headers={"Origin": "https://x.test"})
    assert write.headers["Access-Control-Allow-Origin"] == "*"


def test_page_form_refusals_are_pages_not_json(app: Flask, client: FlaskClient) -> None:
    add_article(app, is_open=False)
    closed = client.post(
        PAGE.format(key="a1") + "/comments?lang=fr",
        data={"author_name": "Inès", "email": "ines@example.org", "body": "Toujours là ?"},
    )
    assert closed.status_code == 403
    assert closed.mimetype == "text/html"
    text = closed.get_data(as_text=True)
    assert "Les commentaires sont fermés pour cet article." in text
    assert "Toujours là ?</textarea>" in text
    unknown = client.post(
        PAGE.format(key="inconnu") + "/comments?lang=fr",
        data={"author_name": "Inès", "email": "ines@example.org", "body": "Bonjour"},
    )
    assert unknown.status_code == 404
    assert "Cet article est inconnu." in unknown.get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "months"), [("fr", FRENCH_MONTHS), ("en", ENGLISH_MONTHS)], ids=["fr", "en"]
)
def test_no_js_page_names_every_month(
    app: Flask, client: FlaskClient, lang: str, months: tuple[str, ...]
) -> None:
    add_article(app)
    dates = one_per_month()
    for index, moment in enumerate(dates):
        public_id = approved(app, client, body=f"Commentaire du mois {index + 1}.")
        set_created_at(app, public_id, moment)
    page = client.get(PAGE.format(key="a1") + f"?lang={lang}").get_data(as_text=True)
    titles = re.findall(r'<time datetime="[^"]+" title="([^"]+)">([^<]+)</time>', page)
    assert len(titles) == 12
    for (full, medium), month, moment in zip(titles, months, dates, strict=True):
        local = moment.astimezone(PARIS)
        assert month in full, full
        assert str(local.year) in full
        assert f"{local:%H:%M}" in full
        assert str(local.day) in medium, medium


def test_a_list_item_in_a_body_stays_inside_its_comment_on_the_page(
    app: Flask, client: FlaskClient
) -> None:
    import html5lib

    add_article(app)
    stray = approved(app, client, body="<li>Je déborde</li><li>moi aussi</li>")
    after = approved(app, client, body="Le commentaire suivant")
    page = client.get(PAGE.format(key="a1")).get_data(as_text=True)
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    items = {li.get("id"): li for li in document.iter("li") if li.get("id")}
    own = "".join(items[f"c-{stray}"].itertext())
    assert "Je déborde" in own
    assert "moi aussi" in own
    # The comments stay siblings in the thread: the body did not close its comment early.
    thread = next(ol for ol in document.iter("ol") if ol.get("class") == "thread")
    assert [li.get("id") for li in thread] == [f"c-{stray}", f"c-{after}"]


def test_the_no_js_page_pages_through_the_whole_thread_both_ways_in_both_orders(
    app_with,  # type: ignore[no-untyped-def]
) -> None:
    import html5lib

    app = app_with(page_size=2)
    client = app.test_client()
    add_article(app)
    ids = [approved(app, client, body=f"Commentaire numéro {i}") for i in range(5)]

    def shown(url: str) -> tuple[list[str], dict[str, str]]:
        page = client.get(url)
        assert page.status_code == 200
        document = html5lib.parse(
            page.get_data(as_text=True), treebuilder="etree", namespaceHTMLElements=False
        )
        thread = [li.get("id", "")[2:] for li in document.iter("li") if li.get("id")]
        links = {a.get("rel", ""): a.get("href", "") for a in document.iter("a") if a.get("rel")}
        return thread, links

    for sort, order in (("oldest", ids), ("newest", ids[::-1])):
        url = PAGE.format(key="a1") + f"?lang=fr&sort={sort}"
        seen: list[str] = []
        pages = 0
        while url:
            thread, links = shown(url)
            seen += thread
            pages += 1
            url = links.get("next", "")
        assert (seen, pages) == (order, 3)
        # And back again from the last page, on the same cursors.
        back: list[str] = []
        url = links["prev"]
        while url:
            thread, links = shown(url)
            back = thread + back
            url = links.get("prev", "")
        assert back == order[:4]
    first_page = client.get(PAGE.format(key="a1") + "?lang=fr&sort=newest").get_data(as_text=True)
    assert "Commentaires plus anciens" in first_page
    assert '<option value="newest" selected>' in first_page
