"""Shadow DOM isolation: the page's CSS cannot reach the widget, and ours stays inside it."""

from __future__ import annotations

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.widget import HOST
from tests.browser.widget import Stack
from tests.browser.widget import open_article
from tests.browser.widget import seed_approved

#: Elements of the widget, and what a hostile page would most like to change.
WIDGET_PARTS = (".root", "h2", ".author", ".body p", "time", "button.link", "label")
WIDGET_PARTS += ("form.form input[name=email]", "form.form textarea", "form.form .btn")
PROPERTIES = (
    "color",
    "font-size",
    "font-family",
    "line-height",
    "letter-spacing",
    "text-transform",
    "margin-top",
    "padding-left",
    "display",
    "visibility",
    "background-color",
    "border-top-style",
)
#: Host page elements the widget must leave alone.
HOST_PARTS = ("h1", "p.standfirst", "article p", ".related h2", ".related li", "a.subscribe")


def widget_styles(page: Page) -> dict[str, dict[str, str]]:
    return dict(
        page.evaluate(
            """([host, parts, props]) => {
                const root = document.querySelector(host).shadowRoot;
                const out = {};
                for (const sel of parts) {
                    const el = root.querySelector(sel);
                    const style = getComputedStyle(el);
                    out[sel] = Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p)]));
                }
                return out;
            }""",
            [HOST, list(WIDGET_PARTS), list(PROPERTIES)],
        )
    )


def host_styles(page: Page) -> dict[str, dict[str, str]]:
    return dict(
        page.evaluate(
            """([parts, props]) => Object.fromEntries(parts.map((sel) => {
                const style = getComputedStyle(document.querySelector(sel));
                return [sel, Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p)]))];
            }))""",
            [list(HOST_PARTS), list(PROPERTIES)],
        )
    )


def test_hostile_page_css_does_not_change_the_widget(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 2)
    open_article(page, live.host + "/")
    calm = widget_styles(page)

    open_article(page, live.host + "/hostile")
    # The hostile sheet is in force on the page itself...
    standfirst = page.locator("p.standfirst")
    assert standfirst.evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"
    assert page.locator(".paywall a.subscribe").evaluate("e => getComputedStyle(e).fontSize") == (
        "40px"
    )
    # ...and stops at the shadow boundary: every part of the widget is as on a calm page.
    widget = page.locator(HOST)
    expect(widget.locator("form.form button[type=submit]")).to_be_visible()
    expect(widget.locator("form.form textarea")).to_be_visible()
    expect(widget.locator("h2")).to_be_visible()
    assert widget_styles(page) == calm
    assert calm[".root"]["color"] == "rgb(31, 31, 31)"
    assert calm["form.form .btn"]["background-color"] == "rgb(179, 0, 45)"
    assert calm[".body p"]["text-transform"] == "none"


def test_widget_css_does_not_leak_into_the_page(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 2)
    # The same page without the widget (its script refused), then with it.
    page.route("**/embed.js", lambda route: route.abort())
    page.goto(live.host + "/")
    without = host_styles(page)
    page.unroute("**/embed.js")
    open_article(page, live.host + "/")
    assert host_styles(page) == without
    assert without["p.standfirst"]["font-size"] == "19.2px"  # the page's own 1.2rem
