"""The outside scoring backends against local servers speaking their protocols, with faults."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from moderation.errors import PermanentError
from moderation.errors import TransientError
from moderation.integrations.akismet import AkismetClassifier
from moderation.integrations.backend_http import CallPolicy
from moderation.integrations.backend_http import MalformedAnswer
from moderation.integrations.backend_http import PolicyTransport
from moderation.integrations.backend_http import retry_after_seconds
from moderation.integrations.openai_moderation import OpenAIModeration
from moderation.integrations.perspective import PerspectiveClassifier
from moderation.pipeline import Submission
from tests.integrations import scoring_servers as fake
from tests.integrations.scoring_servers import Hang
from tests.integrations.scoring_servers import Reply

FAST = CallPolicy(timeout_seconds=0.5, retries=2, breaker_failures=3, breaker_seconds=60)


def comment(text: str, **fields: object) -> Submission:
    values: dict[str, object] = {
        "text": text,
        "html": f"<p>{text}</p>",
        "author_name": "Camille",
        "email_hash": "h" * 64,
        "article_key": "a1",
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (reader)",
        "referrer": "https://journal.example/politique/article-1",
        "permalink": "https://journal.example/politique/article-1",
        "language": "fr",
    }
    values.update(fields)
    return Submission(**values)  # type: ignore[arg-type]


class Waits:
    """Records the waits a transport asked for instead of sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def akismet_server() -> Iterator[fake.FakeService]:
    with fake.serve(fake.akismet()) as service:
        yield service


def akismet_client(
    service: fake.FakeService, waits: Waits, *, key: str = "good-key", discard: bool = True
) -> AkismetClassifier:
    transport = PolicyTransport("akismet", FAST, base_url=service.url, sleep=waits)
    return AkismetClassifier(
        key, "https://journal.example", transport, discard_allowed=discard, honeypot_field="company"
    )


def test_akismet_check_sends_the_commenters_original_context(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    classifier = akismet_client(akismet_server, waits)
    [ham, spam] = classifier.score([comment("Merci pour cet article"), comment("Gagnez vite")])
    assert ham is not None
    assert ham.attributes == {"spam": 0.0}
    assert spam is not None
    assert spam.attributes == {"spam": 0.8}
    assert spam.model == "akismet"
    assert spam.version == "1.1"
    sent = akismet_server.received[0]
    assert sent.path == "/1.1/comment-check"
    form = sent.form()
    assert form["user_ip"] == "203.0.113.7"
    assert form["user_agent"] == "Mozilla/5.0 (reader)"
    assert form["referrer"] == "https://journal.example/politique/article-1"
    assert form["permalink"] == "https://journal.example/politique/article-1"
    assert form["blog_lang"] == "fr"
    assert form["comment_type"] == "comment"
    assert form["blog"] == "https://journal.example"
    # The honeypot as the protocol names it: only comments that left it empty get here.
    assert form["honeypot_field_name"] == "company"
    assert "company" not in form


def test_akismet_discard_is_spam_without_review_only_when_the_site_allows(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    [allowed] = akismet_client(akismet_server, waits).score([comment("casino en ligne")])
    [refused] = akismet_client(akismet_server, waits, discard=False).score(
        [comment("casino en ligne")]
    )
    assert allowed is not None
    assert allowed.attributes == {"spam": 1.0}
    assert allowed.version == "1.1-discard"
    assert refused is not None
    assert refused.attributes == {"spam": 0.8}


def test_akismet_has_no_opinion_without_an_address(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    assert akismet_client(akismet_server, waits).score([comment("Gagnez", ip=None)]) == [None]
    assert akismet_server.received == []


def test_akismet_refused_key_is_permanent(akismet_server: fake.FakeService, waits: Waits) -> None:
    with pytest.raises(PermanentError):
        akismet_client(akismet_server, waits, key="wrong").score([comment("Bonjour")])
    assert len(akismet_server.received) == 1


def test_akismet_reports_moderator_decisions_with_the_original_context(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    classifier = akismet_client(akismet_server, waits)
    classifier.report(comment("Achetez ici"), author_email="bot@example.org", is_spam=True)
    classifier.report(comment("Un avis"), author_email="camille@example.org", is_spam=False)
    [spam, ham] = akismet_server.received
    assert spam.path == "/1.1/submit-spam"
    assert ham.path == "/1.1/submit-ham"
    assert spam.form()["user_ip"] == "203.0.113.7"
    assert spam.form()["comment_author_email"] == "bot@example.org"
    assert ham.form()["user_agent"] == "Mozilla/5.0 (reader)"
    assert ham.form()["honeypot_field_name"] == "company"


def test_akismet_server_errors_are_retried_with_backoff_then_answered(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    akismet_server.faults += [Reply(503), Reply(502)]
    [answer] = akismet_client(akismet_server, waits).score([comment("Gagnez")])
    assert answer is not None
    assert answer.attributes == {"spam": 0.8}
    assert len(akismet_server.received) == 3
    assert len(waits.seconds) == 2


def test_akismet_unreachable_after_retries_is_transient(waits: Waits) -> None:
    with fake.serve(fake.akismet()) as service:
        url = service.url
    # The server is gone: nothing listens there any more.
    transport = PolicyTransport("akismet", FAST, base_url=url, sleep=waits)
    classifier = AkismetClassifier("good-key", "https://journal.example", transport)
    with pytest.raises(TransientError):
        classifier.score([comment("Bonjour")])
    assert len(waits.seconds) == FAST.retries


def test_akismet_malformed_answer_is_reported_as_such(
    akismet_server: fake.FakeService, waits: Waits
) -> None:
    akismet_server.faults.append(Reply(200, b"<html>maintenance</html>"))
    with pytest.raises(MalformedAnswer):
        akismet_client(akismet_server, waits).score([comment("Bonjour")])


@pytest.fixture
def openai_server() -> Iterator[fake.FakeService]:
    with fake.serve(fake.openai()) as service:
        yield service


def openai_client(service: fake.FakeService, waits: Waits, **policy: object) -> OpenAIModeration:
    call = dataclasses.replace(FAST, **policy)  # type: ignore[arg-type]
    transport = PolicyTransport("openai", call, sleep=waits)
    return OpenAIModeration(service.url, "sk-test", "omni-moderation-latest", transport)


def test_openai_scores_a_batch_in_one_request_with_mapped_categories(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    classifier = openai_client(openai_server, waits)
    [calm, rude] = classifier.score([comment("Bon article"), comment("Quel crétin ce maire")])
    assert len(openai_server.received) == 1
    sent = openai_server.received[0].json()
    assert sent == {
        "model": "omni-moderation-latest",
        "input": ["Bon article", "Quel crétin ce maire"],
    }
    assert rude is not None
    assert calm is not None
    assert rude.attributes["insult"] == pytest.approx(0.97)
    assert rude.attributes["toxicity"] == pytest.approx(0.97)
    assert rude.attributes["threat"] == pytest.approx(0.05)
    assert "self-harm" not in rude.attributes
    assert calm.attributes["toxicity"] < 0.1
    assert rude.model == "openai"
    assert rude.version == "moderation-test-1"


def test_openai_answers_are_cached_per_comment(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    classifier = openai_client(openai_server, waits)
    first = classifier.score([comment("Quel crétin")])
    again = classifier.score([comment("Quel crétin"), comment("Autre chose")])
    assert again[0] == first[0]
    assert [r.json()["input"] for r in openai_server.received] == [  # type: ignore[index]
        ["Quel crétin"],
        ["Autre chose"],
    ]


def test_openai_short_retry_after_is_waited_and_honoured(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    openai_server.faults.append(Reply(429, b"{}", (("Retry-After", "2"),)))
    [answer] = openai_client(openai_server, waits).score([comment("Bon article")])
    assert answer is not None
    assert waits.seconds == [2.0]


def test_openai_long_retry_after_opens_the_breaker_without_waiting(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    openai_server.faults.append(Reply(429, b"{}", (("Retry-After", "120"),)))
    classifier = openai_client(openai_server, waits)
    with pytest.raises(TransientError):
        classifier.score([comment("Bon article")])
    with pytest.raises(TransientError, match="circuit open"):
        classifier.score([comment("Bon article")])
    assert len(openai_server.received) == 1
    assert waits.seconds == []


def test_openai_client_errors_are_not_retried(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    transport = PolicyTransport("openai", FAST, sleep=waits)
    classifier = OpenAIModeration(openai_server.url, "sk-wrong", "m", transport)
    with pytest.raises(PermanentError):
        classifier.score([comment("Bon article")])
    assert len(openai_server.received) == 1


def test_openai_timeouts_retry_then_give_up(openai_server: fake.FakeService, waits: Waits) -> None:
    openai_server.faults += [Hang(1.5)] * 3
    classifier = openai_client(openai_server, waits, timeout_seconds=0.3)
    with pytest.raises(TransientError, match="timeout"):
        classifier.score([comment("Bon article")])
    assert len(openai_server.received) == 3


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"results": []}',
        b'{"results": [{"flagged": true}]}',
        b'{"results": [{"category_scores": {"harassment": 7}}]}',
    ],
)
def test_openai_malformed_answers_are_refused(
    openai_server: fake.FakeService, waits: Waits, body: bytes
) -> None:
    openai_server.faults.append(Reply(200, body))
    with pytest.raises(MalformedAnswer):
        openai_client(openai_server, waits).score([comment("Bon article")])


def test_breaker_opens_after_repeated_failures(
    openai_server: fake.FakeService, waits: Waits
) -> None:
    openai_server.faults += [Reply(500)] * (FAST.retries + 1) * FAST.breaker_failures
    classifier = openai_client(openai_server, waits)
    for _ in range(FAST.breaker_failures):
        with pytest.raises(TransientError):
            classifier.score([comment("Bon article")])
    asked = len(openai_server.received)
    with pytest.raises(TransientError, match="circuit open"):
        classifier.score([comment("Bon article")])
    assert len(openai_server.received) == asked


@pytest.fixture
def perspective_server() -> Iterator[fake.FakeService]:
    with fake.serve(fake.perspective()) as service:
        yield service


def perspective_client(service: fake.FakeService, waits: Waits) -> PerspectiveClassifier:
    transport = PolicyTransport("perspective", FAST, sleep=waits)
    return PerspectiveClassifier(f"{service.url}/v1alpha1", "pk-test", transport)


def test_perspective_asks_without_storing_and_marks_the_words(
    perspective_server: fake.FakeService, waits: Waits
) -> None:
    text = "Ce maire est vraiment minable"
    [answer] = perspective_client(perspective_server, waits).score([comment(text)])
    assert answer is not None
    assert answer.attributes["toxicity"] == pytest.approx(0.93)
    assert set(answer.attributes) == {
        "toxicity",
        "severe_toxicity",
        "insult",
        "threat",
        "identity_attack",
    }
    [span] = answer.spans
    assert text[span.start : span.end] == "minable"
    request = perspective_server.received[0]
    assert request.path == "/v1alpha1/comments:analyze"
    sent = request.json()
    assert isinstance(sent, dict)
    assert sent["doNotStore"] is True
    assert sent["languages"] == ["fr"]
    assert set(sent["requestedAttributes"]) == {
        "TOXICITY",
        "SEVERE_TOXICITY",
        "INSULT",
        "THREAT",
        "IDENTITY_ATTACK",
    }


def test_perspective_failure_on_one_comment_keeps_the_others_cached(
    perspective_server: fake.FakeService, waits: Waits
) -> None:
    classifier = perspective_client(perspective_server, waits)
    perspective_server.faults += [Reply(200, b"{}"), Reply(200, b'{"attributeScores": {}}')]
    with pytest.raises(MalformedAnswer):
        classifier.score([comment("un"), comment("deux")])
    asked = len(perspective_server.received)
    answers = classifier.score([comment("deux"), comment("un")])
    assert answers[0] is None  # no attribute at all: no opinion, never a made-up number
    assert answers[1] is not None
    assert len(perspective_server.received) == asked + 1


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 02 Dec 2026 10:00:30 GMT", now=1796205600.0) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
