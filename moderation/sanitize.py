"""Turn untrusted comment text into safe HTML, and read facts back out of that HTML.

This is the only module of the project that imports an HTML sanitizer. nh3 (the Python
binding of the Rust ammonia crate) is the security boundary: it is the last step applied
to every piece of HTML that :func:`clean_html` returns, so nothing written here in Python
(linkifier, paragraph builder) can let markup through that nh3 would refuse.

Behaviour, decided once for the whole service:

* Allowed markup is :data:`ALLOWED_TAGS`, with ``href`` on ``<a>`` only (no attribute at
  all on any other tag, not even ``title`` or ``lang``), and only absolute
  ``http``, ``https`` and ``mailto`` URLs. Every ``<a>`` gets ``rel`` :data:`LINK_REL`.
* Any other tag is stripped and its text kept (``<span>x</span>`` becomes ``x``), except
  ``<script>`` and ``<style>`` whose content is dropped too. Comments are removed. Text in
  raw-text elements (``<textarea>``, ``<noscript>``, ``<xmp>``...) comes out escaped.
* Bare ``http(s)://`` URLs and ``www.`` hosts in text become links, never inside an
  existing ``<a>``, ``<code>`` or ``<pre>``; ``www.x.fr`` links to ``https://www.x.fr``.
* Text without any block element becomes paragraphs: a blank line starts a new ``<p>``,
  a single newline becomes ``<br>``. Text that already has block elements is left alone.
* A literal ``<`` in prose comes out as ``&lt;``; NUL bytes are removed and lone
  surrogates (possible through JSON ``\\ud800`` escapes) become U+FFFD.
* Input with no visible text (empty, whitespace, only markup) gives ``""``.
* The output is stable: ``clean_html(clean_html(x)) == clean_html(x)``.

nh3's parser is quadratic in the nesting depth of block elements (300 KB of ``<div>``
takes seconds), so callers must cap the input length first, as validation does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from typing import Any
from typing import Final
from urllib.parse import urlsplit

import nh3

from moderation import urls

__all__ = [
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "LINK_REL",
    "CleanComment",
    "LinkFacts",
    "clean_comment",
    "clean_html",
    "link_facts",
    "to_text",
]

ALLOWED_TAGS: Final[frozenset[str]] = frozenset(
    {"p", "br", "a", "strong", "em", "b", "i", "blockquote", "code", "pre", "ul", "ol", "li"}
)
ALLOWED_URL_SCHEMES: Final[frozenset[str]] = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "nofollow ugc noopener noreferrer"

# A comment that contains one of these already has its own layout: don't add <p>/<br>.
_BLOCK_TAGS: Final = frozenset({"p", "blockquote", "pre", "ul", "ol", "li"})
# Text inside these must not be linkified (nested links are invalid, code is literal).
_NO_LINKIFY_TAGS: Final = frozenset({"a", "code", "pre"})
# Tags that start a new line when a comment is flattened to plain text.
_LINE_BREAK_TAGS: Final = _BLOCK_TAGS | {"br"}

_MAX_URL_LENGTH: Final = 2_000
# One greedy character class and no nested quantifier, so matching is linear. The
# lookbehind keeps "awww.x.fr", "a.www.x.fr" and "me@www.x.fr" from being linked.
_URL_RE: Final = re.compile(
    r"(?<![\w.@/-])(?:https?://|www\.)[^\s<>\"`«»\x00-\x1f\x7f]+", re.IGNORECASE
)
# Sentence punctuation that follows a URL far more often than it ends one.
_TRAILING_PUNCTUATION: Final = frozenset(".,;:!?'\")]*»…’”")
_SURROGATE_RE: Final = re.compile("[\ud800-\udfff]")


def _build_cleaner() -> Callable[[str], str]:
    # Every option is spelled out: nh3's defaults allow dozens of tags and relative URLs.
    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        # "*" is ammonia's generic attributes, allowed on every tag: left unset it keeps
        # its default (title and lang everywhere), so it is set, and empty.
        "attributes": {"a": {"href"}, "*": set()},
        "url_schemes": set(ALLOWED_URL_SCHEMES),
        "url_relative": "deny",
        "link_rel": LINK_REL,
        "strip_comments": True,
        "clean_content_tags": {"script", "style"},
    }
    if hasattr(nh3, "Cleaner"):
        # One reusable Cleaner is ~1.8x faster than passing the options on every call.
        cleaner: Callable[[str], str] = nh3.Cleaner(**options).clean
        return cleaner
    return functools.partial(nh3.clean, **options)


_clean: Final = _build_cleaner()


@dataclass(frozen=True, slots=True)
class LinkFacts:
    """The links of a sanitized comment: how many, and their hosts (see :func:`link_facts`)."""

    count: int
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CleanComment:
    """A reader's body made safe, with what intake reads from it."""

    #: :func:`clean_html` of the body.
    html: str
    #: :func:`to_text` of that html.
    text: str
    links: LinkFacts


def clean_comment(raw: str) -> CleanComment:
    """:func:`clean_html`, :func:`to_text` and :func:`link_facts` of a body, reading the
    safe HTML once instead of once for each (intake needs all three on every POST)."""
    html = clean_html(raw)
    # No second sanitizing pass before reading, as to_text() does for any input: this is
    # nh3's own output, which nh3 gives back unchanged (clean_html is stable).
    reader = _read(html)
    return CleanComment(html, reader.text(), _facts(reader.hrefs))


def clean_html(raw: str) -> str:
    """Return the safe HTML to store and render for a reader's comment body."""
    text = _normalise(raw)
    # First pass: after it the markup is well-formed and allow-listed, so the stdlib
    # parser below sees exactly the tree a browser would build.
    rewriter = _Rewriter()
    rewriter.feed(_clean(text))
    rewriter.close()
    if not rewriter.has_visible_text:
        return ""
    body = "".join(rewriter.parts)
    if not rewriter.has_block:
        body = _paragraphs(body)
    # Final pass: the security boundary. Nothing may be added to the result after this.
    return _clean(body)


def to_text(html_or_text: str) -> str:
    """Return the plain text of a comment: one line per paragraph/``<br>``, no markup."""
    # Sanitizing first drops script/style content and comments, which are not text.
    return _read(_clean(_normalise(html_or_text))).text()


def link_facts(html: str) -> LinkFacts:
    """The links of the (already sanitized) HTML: how many ``<a href>``, and their hosts.

    Hosts are in order, as a browser reads them: lowercase ASCII (punycode) without a
    trailing dot, extracted by the WHATWG rules (:mod:`moderation.urls`):
    ``https:spam.example`` and ``https://spam.example\\@ok.fr`` both give
    ``spam.example``. A ``mailto:`` link gives the domain of its address.
    :func:`clean_html` keeps no ``href`` without a host.
    """
    return _facts(_read(html).hrefs)


def _facts(hrefs: list[str]) -> LinkFacts:
    return LinkFacts(len(hrefs), tuple(host for host in map(urls.link_host, hrefs) if host))


def _normalise(raw: str) -> str:
    # Lone surrogates cannot be encoded to UTF-8, which nh3 needs: it would raise.
    text = _SURROGATE_RE.sub("\ufffd", raw.replace("\x00", ""))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(body: str) -> str:
    # Safe on the serialized HTML because the rewriter leaves raw newlines only in text
    # (newlines in attribute values are written as &#10;). Splitting per line instead of
    # with a regex keeps this linear even on long runs of whitespace.
    paragraphs: list[list[str]] = [[]]
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped:
            paragraphs[-1].append(stripped)
        elif paragraphs[-1]:
            paragraphs.append([])
    # A paragraph break inside <b>...</b> yields mis-nested tags; nh3's HTML5 parser
    # repairs them the way browsers do (the <b> is reopened in the next paragraph).
    return "".join(f"<p>{'<br>'.join(lines)}</p>" for lines in paragraphs if lines)


def _linkify(text: str) -> str:
    out: list[str] = []
    done = 0
    for match in _URL_RE.finditer(text):
        url = _trim_url(match.group())
        href = _href_for(url)
        if href is None:
            continue
        start = match.start()
        out.append(escape(text[done:start], quote=False))
        out.append(f'<a href="{escape(href)}">{escape(url, quote=False)}</a>')
        done = start + len(url)
    out.append(escape(text[done:], quote=False))
    return "".join(out)


def _trim_url(url: str) -> str:
    # Counted once and updated, so a URL ending in thousands of ")" stays linear.
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and url[end - 1] in _TRAILING_PUNCTUATION:
        if url[end - 1] == ")":
            if closed <= opened:
                break  # balanced: ".../Paris_(France)" keeps its closing paren
            closed -= 1
        end -= 1
    return url[:end]


def _href_for(url: str) -> str | None:
    # Links that are too long, or whose host is not a dotted name/IP, stay plain text.
    # The decision depends on the matched text only, which keeps the output stable.
    if len(url) > _MAX_URL_LENGTH:
        return None
    href = f"https://{url}" if url[:4].lower() == "www." else url
    try:
        parts = urlsplit(href)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return None
    labels = (host or "").removesuffix(".").split(".")
    if len(labels) < 2:
        return None
    if not all(label and all(c.isalnum() or c == "-" for c in label) for label in labels):
        return None
    return href


class _Rewriter(HTMLParser):
    """Re-emit nh3 output, linkifying text nodes and noting what the comment contains."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.has_block = False
        self.has_visible_text = False
        self._text: list[str] = []
        self._no_linkify_depth = 0
        self._just_opened_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        self.has_block = self.has_block or tag in _BLOCK_TAGS
        if tag in _NO_LINKIFY_TAGS:
            self._no_linkify_depth += 1
        self._just_opened_pre = tag == "pre"
        if tag == "a":
            # A link whose host cannot be read (as a browser reads it) cannot be checked
            # against the blocked domains: it loses its href and stays as text.
            attrs = [(n, v) for n, v in attrs if n != "href" or urls.link_host(v or "")]
        rendered = "".join(
            f' {name}="{escape(value or "").replace(chr(10), "&#10;")}"' for name, value in attrs
        )
        self.parts.append(f"<{tag}{rendered}>")

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        self._just_opened_pre = False
        if tag == "br":
            return  # "</br>" would be parsed as a second <br>
        if tag in _NO_LINKIFY_TAGS:
            self._no_linkify_depth = max(0, self._no_linkify_depth - 1)
        self.parts.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

    def _flush(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        if self._just_opened_pre:
            # The HTML parser drops a newline right after <pre> and nh3 does not
            # serialize it back, so a leading newline would vanish on every re-clean.
            text = text.lstrip("\n")
        if not text:
            return
        self.has_visible_text = self.has_visible_text or not text.isspace()
        if self._no_linkify_depth:
            self.parts.append(escape(text, quote=False))
        else:
            self.parts.append(_linkify(text))


class _Reader(HTMLParser):
    """Read text and links: block boundaries and <br> become newlines, hrefs are kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _LINE_BREAK_TAGS:
            self.parts.append("\n")
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in _LINE_BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def text(self) -> str:
        """One line per paragraph/``<br>``, whitespace collapsed, no empty line."""
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return "\n".join(line for line in lines if line)


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader
