"""Tests for moderation.sanitize against real attack corpora and generated markup soup.

The corpora live in the shared data folder that sits beside the checkout
(``<checkout>/../shared/data``), or wherever ``MODERATION_SHARED_DATA`` points.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import html5lib
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from moderation.sanitize import ALLOWED_TAGS
from moderation.sanitize import ALLOWED_URL_SCHEMES
from moderation.sanitize import LINK_REL
from moderation.sanitize import clean_comment
from moderation.sanitize import clean_html
from moderation.sanitize import link_facts
from moderation.sanitize import to_text

SHARED_DATA = Path(
    os.environ.get("MODERATION_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data"
)
XSS_DIR = SHARED_DATA / "xss"
BLNS_DIR = SHARED_DATA / "naughty-strings"

FORBIDDEN_SNIPPETS = (
    "<script",
    "<iframe",
    "<svg",
    "<math",
    "<style",
    "<object",
    "<embed",
    "<form",
    "<meta",
    "<base",
    "<noscript",
    "<template",
)
REQUIRED_REL = frozenset({"nofollow", "ugc", "noopener"})
# WHATWG URL pre-processing: trim C0 controls and space, then drop tab/LF/CR anywhere.
C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _missing_data(folder: Path) -> None:
    message = (
        f"shared test data folder {folder} is missing: the shared/data checkout must sit "
        "beside this repository (or set MODERATION_SHARED_DATA)"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _read_lines(path: Path) -> list[str]:
    # Not splitlines(): payloads contain U+2028, U+0085, FF, VT... which it splits on.
    with path.open(encoding="utf-8", newline="\n") as handle:
        return handle.read().split("\n")[:-1]


def _xss_params() -> list[object]:
    if not XSS_DIR.is_dir():
        return [pytest.param(None, id="xss-data-missing")]
    params: list[object] = []
    for number, line in enumerate(_read_lines(XSS_DIR / "payloads.txt"), start=1):
        payload = line.replace("\\r", "\r").replace("\\n", "\n")
        params.append(pytest.param(payload, id=f"txt-line-{number}"))
    for line in _read_lines(XSS_DIR / "payloads.jsonl"):
        record = json.loads(line)
        params.append(pytest.param(record["payload"], id=f"jsonl-id-{record['id']}"))
    return params


def _blns_params() -> list[object]:
    if not BLNS_DIR.is_dir():
        return [pytest.param(None, id="blns-data-missing")]
    return [
        pytest.param(line, id=f"blns-line-{number}")
        for number, line in enumerate(_read_lines(BLNS_DIR / "blns.txt"), start=1)
        if line and not line.startswith("#")
    ]


def _href_is_safe(href: str) -> bool:
    url = href.strip(C0_AND_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = SCHEME_RE.match(url)
    return match is not None and match.group(1).lower() in ALLOWED_URL_SCHEMES


def _violations(out: str) -> list[str]:
    """Everything in ``out`` that a browser could turn into script or unwanted markup."""
    problems = [snippet for snippet in FORBIDDEN_SNIPPETS if snippet in out.lower()]
    fragment = html5lib.parseFragment(
        out, container="div", treebuilder="etree", namespaceHTMLElements=False
    )
    for element in fragment.iter():
        if element is fragment:
            continue
        if not isinstance(element.tag, str):
            # ElementTree marks comments (and processing instructions) with a factory
            # function as tag instead of a name.
            problems.append(f"comment node {element.text!r}")
            continue
        if element.tag not in ALLOWED_TAGS:
            problems.append(f"element {element.tag!r}")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"event handler {name}={value!r}")
            if element.tag != "a" or name not in {"href", "rel"}:
                problems.append(f"attribute {name!r} on {element.tag!r}")
            elif name == "href" and not _href_is_safe(value):
                problems.append(f"href {value!r}")
        if element.tag == "a" and not set(element.get("rel", "").split()) >= REQUIRED_REL:
            problems.append(f"<a> rel {element.get('rel')!r}")
    return problems


def _assert_inert_and_stable(raw: str) -> str:
    out = clean_html(raw)
    assert _violations(out) == [], f"input {raw!r} gave {out!r}"
    assert clean_html(out) == out, f"not stable for input {raw!r}"
    return out


@pytest.mark.parametrize("payload", _xss_params())
def test_clean_html_is_inert_and_stable_for_xss_corpus(payload: str | None) -> None:
    if payload is None:
        _missing_data(XSS_DIR)
        return
    _assert_inert_and_stable(payload)


# --- Generated markup soup -------------------------------------------------------------

TAG_NAMES = st.sampled_from(
    [
        *sorted(ALLOWED_TAGS),
        *("script", "SCRIPT", "ScRiPt", "svg", "math", "mi", "mtext", "mglyph", "malignmark"),
        *("foreignObject", "desc", "annotation-xml", "noscript", "noembed", "noframes"),
        *("style", "iframe", "img", "image", "template", "textarea", "title", "xmp"),
        *("plaintext", "select", "option", "table", "td", "object", "embed", "form"),
        *("base", "meta", "div", "span", "a", "p", "b"),
    ]
)
URL_PREFIXES = st.sampled_from(["", " ", "\t", "\n", "\x01", "\x0b", "&#9;", "&#x0A;", "\u00a0"])
URL_SCHEMES = st.sampled_from(
    [
        "javascript:",
        "JaVaScRiPt:",
        "java\tscript:",
        "&#106;avascript:",
        "&#x6A;avascript&colon;",
        "data:text/html,",
        "vbscript:",
        "https://",
        "http:",
        "mailto:",
        "//",
        "/",
        "",
    ]
)
URL_REST = st.sampled_from(["alert(1)", "x.fr/a", "evil.example/?q=<b>", "%0aalert(1)", ""])
URLS = st.tuples(URL_PREFIXES, URL_SCHEMES, URL_REST).map("".join)
ATTRIBUTE_VALUES = st.one_of(
    URLS, st.sampled_from(["alert(1)", "x", "nofollow", "_blank", "expression(alert(1))"])
)
ATTRIBUTE_NAMES = st.sampled_from(
    ["href", "HREF", "onclick", "onerror", "OnLoad", "style", "src", "rel", "target", "xlink:href"]
)
QUOTES = st.sampled_from(['"{}"', "'{}'", "{}"])
ATTRIBUTES = st.tuples(ATTRIBUTE_NAMES, QUOTES, ATTRIBUTE_VALUES).map(
    lambda parts: f" {parts[0]}={parts[1].format(parts[2])}"
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "<",
            ">",
            "&",
            "&amp;",
            "&lt;script&gt;",
            "a < b",
            "\n",
            "\n\n",
            "  \n \n",
            "\x00",
            "\ud800",
            "\u2028",
            "https://x.fr/a.",
            "(www.y.org/p_(q))",
            "-->",
            "<!--",
            "]]>",
            "</",
            "<?xml x?>",
            "<![CDATA[x]]>",
        ]
    ),
)
LEAVES = st.one_of(
    TEXT,
    TEXT.map(lambda text: f"<!--{text}-->"),
    st.tuples(TAG_NAMES, st.lists(ATTRIBUTES, max_size=3)).map(
        lambda parts: f"<{parts[0]}{''.join(parts[1])}>"  # unclosed start tag
    ),
    TAG_NAMES.map(lambda name: f"</{name}>"),  # stray end tag
)


def _element(parts: tuple[str, list[str], list[str], bool]) -> str:
    name, attributes, children, closed = parts
    end = f"</{name}>" if closed else ""
    return f"<{name}{''.join(attributes)}>{''.join(children)}{end}"


MARKUP = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.tuples(
            TAG_NAMES,
            st.lists(ATTRIBUTES, max_size=3),
            st.lists(children, max_size=4),
            st.booleans(),
        ).map(_element),
        st.lists(children, min_size=2, max_size=4).map("".join),
    ),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(MARKUP)
def test_clean_html_is_inert_and_stable_for_generated_markup(raw: str) -> None:
    _assert_inert_and_stable(raw)


# --- One reading for intake ----------------------------------------------------------


def _assert_reads_agree(raw: str) -> None:
    """clean_comment() reads nh3's output without cleaning it again, as to_text() does:
    its text must be to_text() of that html."""
    body = clean_comment(raw)
    html = clean_html(raw)
    assert body.html == html
    assert body.text == to_text(html), f"text differs for input {raw!r}"


@pytest.mark.parametrize("payload", _xss_params())
def test_clean_comment_agrees_with_separate_reads_for_xss_corpus(payload: str | None) -> None:
    if payload is None:
        _missing_data(XSS_DIR)
        return
    _assert_reads_agree(payload)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(MARKUP)
def test_clean_comment_agrees_with_separate_reads_for_generated_markup(raw: str) -> None:
    _assert_reads_agree(raw)


def test_clean_comment_reads_text_and_links_when_body_has_both() -> None:
    body = clean_comment("Voir www.lemonde.fr\n\net <a href='https://X.example/a'>ceci</a>")
    assert body.text == "Voir www.lemonde.fr\net ceci"
    assert body.links.count == 2
    assert body.links.hosts == ("www.lemonde.fr", "x.example")


# --- Linkify ---------------------------------------------------------------------------


def _link(href: str, text: str) -> str:
    return f'<a href="{href}" rel="{LINK_REL}">{text}</a>'


def test_linkify_drops_trailing_dot_when_url_ends_sentence() -> None:
    url = "https://www.lemonde.fr/a.html"
    assert clean_html(f"Voir {url}.") == f"<p>Voir {_link(url, url)}.</p>"


def test_linkify_adds_https_when_host_starts_with_www() -> None:
    out = clean_html("www.example.org")
    assert out == f"<p>{_link('https://www.example.org', 'www.example.org')}</p>"


def test_linkify_keeps_balanced_paren_when_url_contains_one() -> None:
    url = "https://fr.wikipedia.org/wiki/Paris_(France)"
    assert clean_html(f"(voir {url})") == f"<p>(voir {_link(url, url)})</p>"


def test_linkify_skips_url_when_inside_existing_link() -> None:
    out = clean_html('<a href="https://a.example/">https://b.example/</a>')
    assert link_facts(out).count == 1
    assert list(link_facts(out).hosts) == ["a.example"]


def test_linkify_skips_url_when_inside_code_or_pre() -> None:
    out = clean_html("<p><code>https://x.example/a</code></p><pre>www.y.example</pre>")
    assert link_facts(out).count == 0
    assert "https://x.example/a" in out


def test_linkify_leaves_text_when_host_is_not_a_domain() -> None:
    assert link_facts(clean_html("http://localhost/ et https:// et www.")).count == 0


def test_linkify_leaves_text_when_url_is_too_long() -> None:
    out = clean_html("https://x.example/" + "a" * 3_000)
    assert link_facts(out).count == 0
    assert clean_html(out) == out


# --- Newlines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a\n\nb", "<p>a</p><p>b</p>"),
        ("a\nb", "<p>a<br>b</p>"),
        ("a\r\n\r\nb\rc", "<p>a</p><p>b<br>c</p>"),
        ("  a  \n \n\n  b  \n", "<p>a</p><p>b</p>"),
        ("<blockquote>q</blockquote>\nr", "<blockquote>q</blockquote>\nr"),
        ("<pre>\n\nx\n  y</pre>", "<pre>x\n  y</pre>"),
    ],
)
def test_clean_html_builds_paragraphs_when_text_has_newlines(raw: str, expected: str) -> None:
    assert clean_html(raw) == expected
    assert clean_html(expected) == expected


@pytest.mark.parametrize("raw", ["", " ", "\n\n\t", "<p> </p>", "<script>x</script>", "<!-- -->"])
def test_clean_html_returns_empty_when_nothing_visible(raw: str) -> None:
    assert clean_html(raw) == ""


# --- Explicit cases --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('<a href="javascript:alert(1)">x</a>', f'<p><a rel="{LINK_REL}">x</a></p>'),
        ("<img src=x onerror=alert(1)>texte", "<p>texte</p>"),
        ("<b onclick=x>hi</b>", "<p><b>hi</b></p>"),
        ("<script>alert(1)</script>ok", "<p>ok</p>"),
        ("<style>p{}</style>ok", "<p>ok</p>"),
        ("<span>gardé</span>", "<p>gardé</p>"),
        ('<a href="/x">x</a>', f'<p><a rel="{LINK_REL}">x</a></p>'),
        ('<a href="mailto:a@b.fr">m</a>', f"<p>{_link('mailto:a@b.fr', 'm')}</p>"),
        ("a < b && c", "<p>a &lt; b &amp;&amp; c</p>"),
        ("a\x00b", "<p>ab</p>"),
        ("a\ud800b", "<p>a\ufffdb</p>"),
    ],
)
def test_clean_html_removes_danger_when_given_known_input(raw: str, expected: str) -> None:
    assert clean_html(raw) == expected


def test_clean_html_survives_when_input_is_deeply_nested() -> None:
    _assert_inert_and_stable(60_000 * "<b>")


def test_clean_html_survives_when_comment_is_long() -> None:
    sentence = "Un commentaire <b>assez</b> long, voir https://www.example.fr/x.\n"
    _assert_inert_and_stable((sentence * 200)[:10_000])


# --- to_text, link_facts ---------------------------------------------------------------


def test_to_text_gives_lines_when_html_has_paragraphs() -> None:
    html = clean_html("Un  <b>gras</b> &amp; plus\n\nDeux\ntrois <script>x</script>")
    assert to_text(html) == "Un gras & plus\nDeux\ntrois"


def test_to_text_accepts_plain_text_when_not_html() -> None:
    assert to_text("  bonjour\t tout  le monde  ") == "bonjour tout le monde"
    assert to_text("") == ""


def test_link_facts_count_only_anchors_with_href() -> None:
    html = clean_html('https://a.fr et <a href="/rel">x</a> et <a href="https://b.fr">b</a>')
    assert link_facts(html).count == 2


def test_link_facts_list_lowercase_hosts_in_order() -> None:
    html = clean_html(
        "https://User@EVIL.Example./x puis www.Lemonde.fr "
        '<a href="mailto:x@Journal.FR">m</a> <a href="https://[::1">bad</a>'
    )
    assert list(link_facts(html).hosts) == ["evil.example", "www.lemonde.fr", "journal.fr"]


# --- Naughty strings -------------------------------------------------------------------


@pytest.mark.parametrize("line", _blns_params())
def test_clean_html_and_to_text_survive_when_given_naughty_string(line: str | None) -> None:
    if line is None:
        _missing_data(BLNS_DIR)
        return
    out = _assert_inert_and_stable(line)
    assert to_text(out) == to_text(clean_html(out))
    to_text(line)
    _assert_reads_agree(line)


@pytest.mark.parametrize(
    "raw",
    [
        '<p title="Cliquez ici" lang="ar">Bonjour</p>',
        '<a href="https://x.example" title="faux titre" lang="en">lien</a>',
        '<blockquote dir="rtl" title="t" lang="he">cité</blockquote>',
        '<strong title="t">gras</strong> <code lang="fr">x</code>',
    ],
)
def test_clean_html_keeps_no_generic_attribute_when_tags_carry_title_or_lang(raw: str) -> None:
    cleaned = clean_html(raw)
    assert "title=" not in cleaned
    assert "lang=" not in cleaned
    assert "dir=" not in cleaned
    assert cleaned.replace(' rel="' + LINK_REL + '"', "").count("=") == cleaned.count("href=")
