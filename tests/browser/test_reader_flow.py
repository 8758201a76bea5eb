"""A reader on the newspaper's page (origin A) uses the comment section served by origin B."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import Response
from playwright.sync_api import expect

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.models import ReportReason
from tests.browser.widget import HOST
from tests.browser.widget import Stack
from tests.browser.widget import api
from tests.browser.widget import approve
from tests.browser.widget import fill_form
from tests.browser.widget import focused
from tests.browser.widget import open_article
from tests.browser.widget import own_comment_ids
from tests.browser.widget import seed_approved
from tests.browser.widget import shadow_html
from tests.browser.widget import submit
from tests.browser.widget import wait_ready
from tests.dates import english_long
from tests.dates import french_long
from tests.dates import one_per_month
from tests.helpers import canary_email
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_status

PENDING_NOTICE = "Votre commentaire est en attente de modération."
PENDING_BADGE = "En attente de modération"


def comment_count(stack: Stack) -> int:
    with stack.app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count(Comment.id))) or 0)


def test_thread_and_counts_render_on_the_newspaper_page(live: Stack, page: Page) -> None:
    # Dates are pinned: the comment's and the browser's, so the words shown do not depend
    # on the day the suite runs (a month with an accent, summer time).
    posted = dt.datetime(2026, 2, 14, 9, 5, tzinfo=dt.UTC)
    page.clock.set_fixed_time(posted + dt.timedelta(minutes=3))
    seed_approved(live, "demo", 3, author="Claire", dated=[posted])
    seed_approved(live, "demo-2", 1)
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    expect(widget.locator("h2")).to_have_text("3 commentaires")
    expect(widget.locator("li.comment")).to_have_count(3)
    expect(widget.locator(".author")).to_have_text(["Claire 1", "Claire 2", "Claire 3"])
    expect(widget.locator(".body").first).to_have_text(re.compile("Commentaire numéro 1"))
    # The newspaper's "Lire aussi" list and byline, filled from one counts request.
    expect(page.locator("[data-moderation-count=demo]")).to_have_text("3 commentaires")
    expect(page.locator("[data-moderation-count=demo-2]")).to_have_text("1 commentaire")
    expect(page.locator("[data-moderation-count=demo-3]")).to_have_text(
        "Soyez le premier à commenter"
    )
    # A relative date, with the exact one (French, long) in its title.
    date = widget.locator("time").first
    expect(date).to_have_text("il y a 3 minutes")
    expect(date).to_have_attribute("title", "14 février 2026 à 10:05")
    assert date.get_attribute("datetime", timeout=1000) == "2026-02-14T09:05:00Z"
    # The widget came from the service, a different origin from the page.
    assert scripts == [f"{live.service}/embed.js"]
    assert not live.host.startswith(live.service)


def test_posted_comment_waits_then_appears_after_approval(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    body = "Très bon résumé de la séance, merci."
    fill_form(page, name="Camille Dupont", email=canary_email(), body=body)
    submit(page)
    expect(widget.locator("[role=status]", has_text=PENDING_NOTICE)).to_be_visible()
    own = widget.locator("li.own")
    expect(own).to_contain_text(body)
    expect(own.locator(".badge")).to_have_text(PENDING_BADGE)
    expect(widget.locator("form.form [name=body]")).to_have_value("")
    [own_id] = own_comment_ids(page)

    # Still pending after a reload: this browser remembers its own comment.
    page.reload()
    wait_ready(page)
    expect(widget.locator(f'li.own[data-id="{own_id}"] .badge')).to_have_text(PENDING_BADGE)
    expect(widget.locator("h2")).to_have_text("1 commentaire")

    approve(live, own_id)
    page.reload()
    wait_ready(page)
    mine = widget.locator(f'li.comment[data-id="{own_id}"]')
    expect(mine).to_contain_text(body)
    expect(mine.locator(".badge")).to_have_count(0)
    expect(widget.locator("h2")).to_have_text("2 commentaires")
    expect(
        widget.get_by_role("status").filter(has_text="Votre commentaire a été publié.")
    ).to_be_visible()
    # Published: nothing left to follow.
    page.wait_for_function("!localStorage.getItem('moderation:pending:demo')")


def test_reply_nests_under_its_parent_after_approval(live: Stack, page: Page) -> None:
    [parent_id] = seed_approved(live, "demo", 1, author="Claire")
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    parent = widget.locator(f'li.comment[data-id="{parent_id}"]')
    reply_button = parent.get_by_role("button", name="Répondre")
    reply_button.click()
    expect(reply_button).to_have_attribute("aria-expanded", "true")
    expect(parent.locator("form.form h3")).to_have_text("Répondre à Claire 1")
    assert focused(page)["name"] == "body"
    fill_form(page, name="Marc", email=canary_email(), body="Je ne suis pas d’accord.")
    submit(page)
    pending = parent.locator(".replies > li.own")
    expect(pending).to_contain_text("Je ne suis pas d’accord.")
    expect(pending.locator(".badge")).to_have_text(PENDING_BADGE)
    # The form went back home, empty, and the reply button is closed again.
    expect(parent.locator("form.form")).to_have_count(0)
    expect(reply_button).to_have_attribute("aria-expanded", "false")
    [reply_id] = own_comment_ids(page)

    approve(live, reply_id)
    page.reload()
    wait_ready(page)
    reply = parent.locator(f'.replies > li.comment[data-id="{reply_id}"]')
    expect(reply).to_contain_text("Je ne suis pas d’accord.")
    expect(reply.locator(".author")).to_have_text("Marc")
    expect(reply.locator(".badge")).to_have_count(0)


def test_report_is_recorded_once_per_reader(live: Stack, page: Page) -> None:
    [comment_id] = seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    report = widget.get_by_role("button", name="Signaler")
    report.click()
    expect(report).to_have_attribute("aria-expanded", "true")
    group = widget.get_by_role("group", name="Pourquoi signalez-vous ce commentaire ?")
    group.get_by_label("Injurieux ou haineux").check()
    widget.get_by_role("button", name="Envoyer le signalement").click()
    thanks = "Merci, l’équipe de modération va examiner ce commentaire."
    expect(widget.get_by_role("status").filter(has_text=thanks)).to_be_visible()
    expect(report).to_have_attribute("aria-expanded", "false")

    # The same reader again, with another reason: still one report.
    report.click()
    widget.get_by_label("Spam ou publicité").check()
    widget.get_by_role("button", name="Envoyer le signalement").click()
    expect(widget.get_by_role("status").filter(has_text=thanks)).to_be_visible()
    with live.app.app_context():
        query = sa.select(Report.reason, Comment.public_id).join(
            Comment, Comment.id == Report.comment_id
        )
        rows = db.session.execute(query).all()
    assert [(row.reason, row.public_id) for row in rows] == [(ReportReason.ABUSIVE, comment_id)]


def test_field_errors_show_in_french_next_to_fields_and_keep_input(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    long_body = "Une phrase beaucoup trop longue. " * 160  # > 5000 characters
    fill_form(page, name="", email="pas-une-adresse", website="mon site", body=long_body)
    submit(page)
    expect(widget.get_by_role("alert")).to_have_text("Veuillez corriger les champs signalés.")
    expected = {
        "author_name": "Ce champ est obligatoire.",
        "email": "Saisissez une adresse e-mail valide.",
        "website": "Saisissez une adresse web commençant par http:// ou https://.",
        "body": "Ce champ ne doit pas dépasser 5000 caractères.",
    }
    form = widget.locator("form.form")
    for name, message in expected.items():
        field = form.locator(f"[name={name}]")
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby")
        assert described_by
        expect(form.locator(f"#{described_by}")).to_have_text(message)
        expect(field).to_have_accessible_description(message)
    # Nothing typed is lost, and the keyboard lands on the first field to fix.
    expect(form.locator("[name=email]")).to_have_value("pas-une-adresse")
    expect(form.locator("[name=website]")).to_have_value("mon site")
    expect(form.locator("[name=body]")).to_have_value(long_body)
    assert focused(page)["name"] == "author_name"
    assert comment_count(live) == 1

    # Fixing the fields clears the errors and posts.
    fill_form(page, name="Inès", email="ines@example.org", body="Plus court.")
    submit(page)
    expect(widget.locator("[role=status]", has_text=PENDING_NOTICE)).to_be_visible()
    expect(form.locator("[aria-invalid]")).to_have_count(0)
    expect(widget.get_by_role("alert")).to_have_text("")


def test_email_never_reaches_the_page_or_any_response(live: Stack, page: Page) -> None:
    [parent_id] = seed_approved(live, "demo", 1)
    bodies: list[str] = []

    def keep_body(response: Response) -> None:
        if response.url.startswith(live.service) and response.status != 204:
            bodies.append(response.text())

    page.on("response", keep_body)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    emails = [canary_email(), canary_email()]
    fill_form(page, name="Léa", email=emails[0], body="Premier commentaire de Léa.")
    submit(page)
    expect(widget.locator("li.own")).to_have_count(1)
    widget.locator(f'li[data-id="{parent_id}"]').get_by_role("button", name="Répondre").click()
    fill_form(page, name="Léa", email=emails[1], body="Une réponse de Léa.")
    submit(page)
    expect(widget.locator("li.own")).to_have_count(2)
    for own_id in own_comment_ids(page):
        approve(live, own_id)
    page.reload()
    wait_ready(page)
    expect(widget.locator("h2")).to_have_text("3 commentaires")
    expect(widget.locator(".badge")).to_have_count(0)

    markup = page.content() + shadow_html(page)
    assert "Une réponse de Léa." in markup
    assert len(bodies) > 5
    for email in emails:
        assert email not in markup
        assert email.split("@")[0] not in markup
        assert not [body for body in bodies if email in body]


def test_remembered_author_is_prefilled_until_unchecked(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    form = widget.locator("form.form")
    remember = form.get_by_role("checkbox")
    expect(remember).not_to_be_checked()
    fill_form(
        page, name="Yves", email="yves@example.org", website="https://yves.example.org/", body="Un."
    )
    remember.check()
    submit(page)
    expect(widget.locator("li.own")).to_have_count(1)
    # Kept after posting and on the next visit; only the comment itself is emptied.
    expect(form.locator("[name=author_name]")).to_have_value("Yves")
    expect(form.locator("[name=body]")).to_have_value("")
    page.reload()
    wait_ready(page)
    expect(form.locator("[name=email]")).to_have_value("yves@example.org")
    expect(form.locator("[name=website]")).to_have_value("https://yves.example.org/")
    expect(remember).to_be_checked()
    # Unchecked and sent: forgotten, and the fields are emptied.
    remember.uncheck()
    form.locator("[name=body]").fill("Deux.")
    submit(page)
    expect(widget.locator("li.own")).to_have_count(2)
    assert page.evaluate("localStorage.getItem('moderation:author')") is None
    expect(form.locator("[name=author_name]")).to_have_value("")
    page.reload()
    wait_ready(page)
    expect(form.locator("[name=email]")).to_have_value("")


def _wordpress_redirect(live: Stack, body: str) -> str:
    """Post a theme's comment form to the service; the address it sends the reader back to."""
    response = live.app.test_client().post(
        "/wp-comments-post.php",
        data={
            "author": "Paul",
            "email": canary_email(),
            "comment": body,
            "comment_post_ID": "demo",
            "redirect_to": f"{live.host}/",
        },
    )
    assert response.status_code == 303
    return str(response.headers["Location"])


def test_wordpress_style_redirect_shows_the_pending_comment_once_and_keeps_nothing(
    live: Stack, page: Page, context: BrowserContext
) -> None:
    seed_approved(live, "demo", 1)
    back = _wordpress_redirect(live, "Envoyé par le formulaire du thème.")
    open_article(page, back)
    widget = page.locator(HOST)
    own = widget.locator("li.own")
    expect(own).to_contain_text("thème")
    expect(own.locator(".badge")).to_have_text(PENDING_BADGE)
    expect(widget.locator("[role=status]", has_text=PENDING_NOTICE)).to_be_visible()
    # Nothing read from the link is kept, and the link is gone from the address bar.
    assert own_comment_ids(page) == []
    assert "moderation_handoff" not in page.url
    # The same link forwarded to another reader shows them nothing: the proof is spent.
    other = context.new_page()
    open_article(other, back)
    expect(other.locator(HOST).locator("li.comment")).to_have_count(1)
    expect(other.locator(HOST).locator("li.own")).to_have_count(0)
    assert own_comment_ids(other) == []


def test_a_link_naming_someone_elses_held_comment_shows_nothing(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    held = post(live.app.test_client(), key="demo", body="Hameçonnage : https://phish.example")
    for query in (f"moderation_comment={held}", f"moderation_handoff={held}.1999999999.{'x' * 43}"):
        open_article(page, f"{live.host}/?{query}")
        widget = page.locator(HOST)
        expect(widget.locator("li.comment")).to_have_count(1)
        expect(widget).not_to_contain_text("phish")
        assert own_comment_ids(page) == []


def test_a_reply_to_a_removed_comment_says_so_without_naming_it(live: Stack, page: Page) -> None:
    [parent] = seed_approved(live, "demo", 1, author="Supprimé")
    [reply] = seed_approved(live, "demo", 1, author="Zoé", start=1, parent_id=parent)
    set_status(live.app, parent, CommentStatus.REJECTED)  # the takedown
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    shown = widget.locator(f'li.comment[data-id="{reply}"]')
    expect(shown.locator(".removed-parent")).to_have_text("En réponse à un commentaire retiré")
    html = shadow_html(page)
    assert parent not in html
    assert "Supprimé" not in html


def test_own_pending_comment_is_read_with_its_author_token(live: Stack, page: Page) -> None:
    open_article(page, live.host + "/")
    fill_form(page, name="Camille", email=canary_email(), body="Un avis en attente.")
    submit(page)
    widget = page.locator(HOST)
    expect(widget.locator("li.own")).to_have_count(1)
    raw = page.evaluate("JSON.parse(localStorage.getItem('moderation:pending:demo'))")
    [entry] = raw
    assert set(entry) == {"id", "token"}
    assert entry["token"] != entry["id"]
    # Without the token the service does not show it; the widget's own request did.
    assert live.app.test_client().get(f"/api/v1/comments/{entry['id']}").status_code == 404


def test_refused_comment_disappears_with_a_notice_once(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    fill_form(page, name="Troll", email="troll@example.org", body="Un commentaire refusé.")
    submit(page)
    expect(widget.locator("li.own")).to_have_count(1)
    [own_id] = own_comment_ids(page)
    token = moderator_token(live.app, "browser-tests")
    path = f"/api/v1/moderation/comments/{own_id}/decision"
    api(live, "POST", path, {"action": "reject"}, token)
    page.reload()
    wait_ready(page)
    expect(widget.get_by_role("status").filter(has_text="n’a pas été publié")).to_be_visible()
    expect(widget.locator("li.own")).to_have_count(0)
    # Nothing is followed anymore, so the next visit has nothing to say.
    page.wait_for_function("!localStorage.getItem('moderation:pending:demo')")
    page.reload()
    wait_ready(page)
    expect(widget.locator("[role=status]", has_text="n’a pas été publié")).to_have_count(0)


def test_sort_and_load_more_walk_the_whole_thread(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 53)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    comments = widget.locator("li.comment")
    expect(comments).to_have_count(50)
    expect(comments.first.locator(".author")).to_have_text("Lecteur 1")
    more = widget.get_by_role("button", name="Afficher plus de commentaires")
    more.click()
    expect(comments).to_have_count(53)
    expect(more).to_be_hidden()
    # The keyboard is taken to the first comment it loaded.
    assert (
        page.evaluate(
            "document.querySelector('[data-moderation-article]').shadowRoot.activeElement"
            ".closest('li').querySelector('.author').textContent"
        )
        == "Lecteur 51"
    )
    widget.get_by_label("Trier").select_option("newest")
    expect(comments.first.locator(".author")).to_have_text("Lecteur 53")
    expect(comments).to_have_count(50)
    expect(widget.locator("h2")).to_have_text("53 commentaires")


@pytest.mark.parametrize(
    ("path", "expected"), [("/", french_long), ("/en", english_long)], ids=["fr", "en"]
)
def test_exact_dates_name_every_month(
    live: Stack, page: Page, path: str, expected: Callable[[dt.datetime], str]
) -> None:
    dates = one_per_month()
    page.clock.set_fixed_time(dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC))
    seed_approved(live, "demo", 12, dated=dates)
    open_article(page, live.host + path)
    titles = page.locator(HOST).locator("li.comment time")
    expect(titles).to_have_count(12)
    shown = [titles.nth(i).get_attribute("title") for i in range(12)]
    assert sorted(shown, key=str) == sorted((expected(d) for d in dates), key=str)
