"""The demo newspaper server: its pages, its escaping, and nothing else served."""

from __future__ import annotations

import argparse
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from moderation import demo_host


@pytest.fixture
def server() -> Iterator[str]:
    httpd = demo_host.DemoServer(("127.0.0.1", 0), "http://127.0.0.1:5000", hostile_css=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.base_url
    httpd.shutdown()
    httpd.server_close()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_article_pages_embed_the_service_in_both_languages(server: str) -> None:
    status, french = fetch(server + "/")
    assert status == 200
    assert '<html lang="fr">' in french
    assert "Le conseil municipal adopte le budget 2027 après une séance tendue" in french
    assert '<script src="http://127.0.0.1:5000/embed.js" async></script>' in french
    assert 'data-moderation-article="demo"' in french
    assert french.count("data-moderation-count=") == 4
    status, english = fetch(server + "/en")
    assert status == 200
    assert '<html lang="en">' in english
    assert 'data-lang="en"' in english


def test_only_the_article_pages_are_served(server: str) -> None:
    for path in ("/hostile", "/favicon.ico", "/../pyproject.toml", "/templates/demo/host.html"):
        assert fetch(server + path)[0] == 404


def test_substituted_values_are_escaped_for_html() -> None:
    template = demo_host.TEMPLATE_PATH.read_text(encoding="utf-8")
    page = demo_host.render_page(
        template,
        lang="fr",
        service='https://x.example"><script>alert(1)</script>',
        page_url="http://127.0.0.1/?a=1&b=<2>",
    )
    assert "<script>alert(1)</script>" not in page
    assert "https://x.example&quot;&gt;&lt;script&gt;" in page
    assert "a=1&amp;b=&lt;2&gt;" in page


@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "127.0.0.1:5000", "http://x.example/?q=1", "http://#a"]
)
def test_service_url_must_be_a_plain_http_base(value: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        demo_host.service_origin(value)
    assert demo_host.service_origin("https://comments.example.org/") == (
        "https://comments.example.org"
    )
