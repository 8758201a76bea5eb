"""Rules about who is writing: block lists, track record, floods and campaigns.

They read only what the services put in the :class:`Context` (active block entries,
counts over a time window, near-duplicates found through fingerprint bands): every input
is the answer to one indexed query, and the rules stay pure and fast.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from moderation.pipeline.folding import fold
from moderation.pipeline.types import BlockAction
from moderation.pipeline.types import BlockEntry
from moderation.pipeline.types import BlockKind
from moderation.pipeline.types import Context
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict

#: Well-known throwaway address providers (a starting list; sites add their own).
DISPOSABLE_DOMAINS: frozenset[str] = frozenset(
    {
        "yopmail.com", "yopmail.fr", "yopmail.net", "jetable.org", "mailinator.com",
        "guerrillamail.com", "guerrillamail.info", "sharklasers.com", "10minutemail.com",
        "trashmail.com", "temp-mail.org", "throwawaymail.com", "maildrop.cc",
        "dispostable.com", "getnada.com", "mailnesia.com", "spamgourmet.com",
        "fakeinbox.com", "discard.email", "mail-temporaire.fr",
    }
)  # fmt: skip


def domain_in(host: str | None, domains: Iterable[str] | frozenset[str]) -> str | None:
    """The entry of ``domains`` that ``host`` is or is a subdomain of, if any.

    Walks the host's suffixes ("a.b.example.com", "b.example.com", "example.com", "com"),
    so the cost is the number of labels, whatever the size of the list.
    """
    if not host:
        return None
    listed = domains if isinstance(domains, frozenset) else frozenset(domains)
    labels = host.lower().rstrip(".").split(".")
    for index in range(len(labels)):
        candidate = ".".join(labels[index:])
        if candidate in listed:
            return candidate
    return None


_BLOCK_VERDICTS = {
    BlockAction.SPAM: Verdict.SPAM,
    BlockAction.REJECT: Verdict.REJECT,
    BlockAction.HOLD: Verdict.HOLD,
}
_BLOCK_CODES = {
    BlockKind.EMAIL: "blocked_email",
    BlockKind.EMAIL_DOMAIN: "blocked_email_domain",
    BlockKind.IP: "blocked_ip",
    BlockKind.CIDR: "blocked_network",
}

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str | None) -> _Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # "::ffff:192.0.2.1" is 192.0.2.1 for a block list
    return address


def _entry_matches(entry: BlockEntry, submission: Submission, address: _Address | None) -> bool:
    if entry.kind is BlockKind.EMAIL:
        return bool(submission.email_hash) and entry.value == submission.email_hash
    if entry.kind is BlockKind.EMAIL_DOMAIN:
        return domain_in(submission.email_domain, frozenset({entry.value.lower()})) is not None
    if address is None:
        return False
    if entry.kind is BlockKind.IP:
        return _address(entry.value) == address
    try:
        return address in ipaddress.ip_network(entry.value.strip(), strict=False)
    except ValueError:
        return False  # a malformed entry blocks nothing (the services validate on input)


@dataclass(frozen=True, slots=True)
class BlockListRule:
    """Moderators' block and allow entries (email hash, email domain, IP, network), and
    throwaway email domains.

    ``allow`` entries vouch for the author (a ``trusted`` signal: the policy waives soft
    holds); ``spam``, ``reject`` and ``hold`` entries argue for that verdict. The services
    pass only active entries that may match: by email hash, by the email domain and its
    parents, by IP, and the network entries.
    """

    disposable_domains: frozenset[str] = DISPOSABLE_DOMAINS
    disposable_verdict: Verdict = Verdict.HOLD
    rule_id: str = "block_list"
    cheap: bool = True

    def check(self, submission: Submission, context: Context) -> tuple[Signal, ...] | None:
        signals = []
        # Parsing the address costs more than everything else here: only when needed.
        needs_address = any(e.kind in (BlockKind.IP, BlockKind.CIDR) for e in context.block_entries)
        address = _address(submission.ip) if needs_address else None
        for entry in context.block_entries:
            if not _entry_matches(entry, submission, address):
                continue
            params: dict[str, str | int] = {
                "kind": entry.kind.value,
                "action": entry.action.value,
                "entry_id": entry.entry_id or 0,
            }
            if entry.kind is BlockKind.EMAIL_DOMAIN:
                params["domain"] = entry.value.lower()
            if entry.action is BlockAction.ALLOW:
                signals.append(Signal(self.rule_id, None, "allow_listed", params, trusted=True))
            else:
                verdict = _BLOCK_VERDICTS[entry.action]
                signals.append(Signal(self.rule_id, verdict, _BLOCK_CODES[entry.kind], params))
        disposable = domain_in(submission.email_domain, self.disposable_domains)
        if disposable:
            params = {"domain": disposable}
            signals.append(
                Signal(self.rule_id, self.disposable_verdict, "disposable_email", params)
            )
        return tuple(signals) or None


@dataclass(frozen=True, slots=True)
class ReputationRule:
    """The author's track record.

    Trusted after ``trust_after`` approved comments with no recent rejection (a
    ``trusted`` signal); held when more than ``max_reject_rate`` of at least
    ``min_recent`` recent decided comments were rejected or spam. A first comment is the
    premoderation rule's business, not this one's.
    """

    trust_after: int = 5
    max_reject_rate: float = 0.5
    min_recent: int = 4
    rule_id: str = "reputation"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        total = context.author_recent_total
        rejected = context.author_recent_rejected
        if total >= max(self.min_recent, 1) and rejected / total > self.max_reject_rate:
            params: dict[str, str | int] = {
                "rejected": rejected,
                "total": total,
                "rate": round(100 * rejected / total),
                "limit": round(100 * self.max_reject_rate),
            }
            return Signal(self.rule_id, Verdict.HOLD, "poor_reputation", params)
        approved = context.author_approved_count
        if self.trust_after > 0 and approved >= self.trust_after and rejected == 0:
            params = {"approved": approved}
            return Signal(self.rule_id, None, "trusted_author", params, trusted=True)
        return None


@dataclass(frozen=True, slots=True)
class FloodRule:
    """Too many comments in the services' window from one author or one address."""

    max_author_recent: int = 5
    max_ip_recent: int = 20
    rule_id: str = "flood"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> tuple[Signal, ...] | None:
        signals = []
        if context.author_recent_count > self.max_author_recent:
            params: dict[str, str | int] = {
                "count": context.author_recent_count,
                "limit": self.max_author_recent,
            }
            signals.append(Signal(self.rule_id, Verdict.HOLD, "flood_author", params))
        if context.ip_recent_count > self.max_ip_recent:
            params = {"count": context.ip_recent_count, "limit": self.max_ip_recent}
            signals.append(Signal(self.rule_id, Verdict.HOLD, "flood_ip", params))
        return tuple(signals) or None


@dataclass(frozen=True, slots=True)
class CampaignRule:
    """The same text posted again and again, on several articles or by several authors.

    Spam when at least ``min_similar`` recent comments are within ``max_distance`` bits of
    this one's fingerprint and, counting this comment, they span two articles or two
    authors. Short comments are left alone: "Merci pour cet article" is common, not
    coordinated. ``params`` tell the services which campaign to attach the comment to
    (``campaign_id``, the one most similar comments already belong to) or to open one
    (``new_campaign`` = 1, ``campaign_id`` = 0).
    """

    min_similar: int = 3
    max_distance: int = 3
    min_words: int = 10
    rule_id: str = "campaign"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        if not context.similar_recent or len(submission.text.split()) < self.min_words:
            return None
        similar = [s for s in context.similar_recent if s.distance <= self.max_distance]
        if len(similar) < self.min_similar:
            return None
        articles = {s.article_key for s in similar} | {submission.article_key}
        authors = {s.author_hash for s in similar} | {submission.email_hash}
        if len(articles) < 2 and len(authors) < 2:
            return None
        known = Counter(s.campaign_id for s in similar if s.campaign_id is not None)
        # The campaign most of them belong to; the oldest (smallest id) on a tie.
        campaign = min(known, key=lambda c: (-known[c], c)) if known else 0
        params: dict[str, str | int] = {
            "similar": len(similar),
            "articles": len(articles),
            "authors": len(authors),
            "campaign_id": campaign,
            "new_campaign": 0 if campaign else 1,
        }
        return Signal(self.rule_id, Verdict.SPAM, "campaign", params)


_NOT_WORD = re.compile(r"[\W_]+")


def _words(name: str) -> tuple[str, ...]:
    # Folding drops accents and case and undoes look-alikes and leetspeak ("M0dérateur").
    return tuple(w for w in _NOT_WORD.split(fold(name).text) if w)


@dataclass(frozen=True, slots=True)
class NewsroomNameRule:
    """An author name posing as the newsroom ("La Rédaction", "Modérateur", the site's name).

    The names are a setting (``MODERATION_NEWSROOM_NAMES``). Held for a person when a
    listed name's words, accents and case folded, appear in a row in the author's name
    ("Marie, de la rédaction"), or when the whole name is a listed name with its spaces
    dropped ("LaRédaction"). Trust does not waive it: a regular who renames themselves
    "Modérateur" is still posing.
    """

    names: tuple[str, ...] = ()
    rule_id: str = "newsroom_name"
    cheap: bool = False

    def check(self, submission: Submission, context: Context) -> Signal | None:
        words = _words(submission.author_name)
        if not words:
            return None
        joined = "".join(words)
        for name in self.names:
            listed = _words(name)
            if not listed:
                continue
            size = len(listed)
            if joined == "".join(listed) or any(
                words[i : i + size] == listed for i in range(len(words) - size + 1)
            ):
                return Signal(self.rule_id, Verdict.HOLD, "newsroom_name", {"name": name})
        return None
