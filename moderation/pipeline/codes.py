"""Every reason code the core emits, with its English wording.

The web layer words reasons for moderators through its translation catalogs; this table is
the contract it follows: the code, the ``%(param)s`` placeholders each reason carries, and
an English template to start the catalogs from. ``docs/moderation.md`` explains each one.
A test checks that every code a rule or the policy emits is listed here and that its
template formats with the rule's params.
"""

from __future__ import annotations

REASON_CODES: dict[str, str] = {
    # HoneypotRule ("honeypot")
    "honeypot_filled": "Hidden field filled in (automated submission)",
    # BlockListRule ("block_list"); kind is email|email_domain|ip|cidr, action is the entry's
    "blocked_email": "Email address on the block list (%(action)s, entry %(entry_id)s)",
    "blocked_email_domain": "Email domain %(domain)s is blocked",
    "blocked_ip": "IP address on the block list (%(action)s, entry %(entry_id)s)",
    "blocked_network": "Network on the block list (%(action)s, entry %(entry_id)s)",
    "allow_listed": "Author on the allow list (entry %(entry_id)s): soft checks skipped",
    "disposable_email": "Throwaway email address (%(domain)s)",
    # LinkRule ("links")
    "blocked_link_domain": "Link to a blocked domain: %(domain)s",
    "blocked_website_domain": "Website on a blocked domain: %(domain)s",
    "too_many_links": "%(count)s links (limit %(limit)s)",
    # WordListRule ("banned_word"); term is the list entry, word the text as written
    "banned_word": "Banned word “%(word)s”",
    "held_word": "Word to review “%(word)s”",
    "flagged_word": "Flagged word “%(word)s”",
    # CampaignRule ("campaign")
    "campaign": (
        "Part of a campaign: %(similar)s similar comments on %(articles)s articles "
        "by %(authors)s authors"
    ),
    # PremoderationRule ("premoderation")
    "premoderation_all": "Premoderation: every comment is reviewed",
    "premoderation_links": "Premoderation: comments with links are reviewed",
    "premoderation_first_time": "Premoderation: first comment from this author",
    # SurgeRule ("surge")
    "surge": "Surge of comments on this article: every comment is reviewed",
    # FloodRule ("flood")
    "flood_author": "%(count)s recent comments from this author (limit %(limit)s)",
    "flood_ip": "%(count)s recent comments from this address (limit %(limit)s)",
    # ReputationRule ("reputation")
    "trusted_author": "Trusted author (%(approved)s approved comments): soft checks skipped",
    "poor_reputation": "%(rejected)s of %(total)s recent comments refused (%(rate)s%%)",
    # TypingSpeedRule ("typing_speed")
    "typed_too_fast": "Sent %(seconds)s s after the form opened (at least %(minimum)s s)",
    "no_form_token": "Sent without a usable form token (missing, expired, reused or forged)",
    # NewsroomNameRule ("newsroom_name")
    "newsroom_name": "Author name poses as the newsroom (“%(name)s”)",
    # DuplicateRule ("duplicate"): an exact repost, refused without telling the sender
    "duplicate_comment": "Same text already posted by this author on this article",
    # ShoutingRule ("shouting")
    "shouting": "Written in capitals (%(percent)s%% of letters)",
    # GibberishRule ("gibberish")
    "gibberish_repeats": "Mostly repeated characters (%(percent)s%%)",
    "gibberish_no_vowels": "Word without vowels “%(word)s”",
    "gibberish_low_entropy": "Letters too repetitive to be text (entropy %(entropy)s)",
    # LanguageRule ("language")
    "language_not_accepted": "Written in %(language)s; accepted: %(accepted)s",
    # policy.decide ("classifier:<model>")
    "score_above_hold": "%(label)s %(value)s (model %(version)s), above %(threshold)s: held",
    "score_above_reject": ("%(label)s %(value)s (model %(version)s), above %(threshold)s: refused"),
    # moderate() from the services' context ("classifier:<backend>")
    "classifier_unavailable": "%(backend)s did not answer: decided without it",
    "classifier_required_unavailable": (
        "Check failed: %(backend)s did not answer and is required: held for a person"
    ),
}
