"""How every outside scoring backend is called: timeouts, retries, a breaker and a cache.

Outside services fail in ordinary ways (slow answers, restarts, quotas). The adapters
(Akismet, OpenAI-compatible moderation, Perspective) share this one way of calling them:

- a timeout on every request;
- retries with exponential backoff and jitter, on transient failures only (connection
  errors, timeouts, 5xx, 429); a 4xx other than 429 is the caller's fault and is not retried;
- ``429 Too Many Requests`` and ``503`` honour ``Retry-After``: a short wait is waited, a long
  one opens the breaker for that long;
- a circuit breaker per backend and process: after a run of failures the backend is left
  alone for a while (calls fail at once) instead of making every check wait for timeouts;
- answers cached per comment, so that a retried check (or its batch-mate) does not ask again.

What fails after that raises ``TransientError`` (may pass) or ``PermanentError`` (will not:
refused key, malformed answer); the scoring service decides without that backend.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from moderation.errors import PermanentError
from moderation.errors import TransientError
from moderation.pipeline.types import Score
from moderation.pipeline.types import Submission

logger = logging.getLogger(__name__)
# httpx logs every request at INFO with its full URL; our own lines say what matters.
logging.getLogger("httpx").setLevel(logging.WARNING)

#: Statuses worth another try: the service is restarting, overloaded or rate-limiting us.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class MalformedAnswer(PermanentError):
    """The service answered, but not in the documented format."""


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """Timeouts and retries for one backend."""

    timeout_seconds: float = 5.0
    retries: int = 2
    backoff_seconds: float = 0.2
    backoff_cap_seconds: float = 5.0
    #: Longer ``Retry-After`` waits are not waited: the breaker opens for that long instead.
    max_wait_seconds: float = 10.0
    breaker_failures: int = 5
    breaker_seconds: float = 60.0


class CircuitBreaker:
    """Closed, open for ``reset_seconds`` after ``threshold`` failures in a row, then half-open.

    Half-open lets one call through: its success closes the breaker, its failure opens it
    again. Thread-safe: a worker may run threads.
    """

    def __init__(
        self, threshold: int, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = max(1, threshold)
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            return self._clock() >= self._open_until

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._open_until = 0.0

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.threshold:
                self._open_until = self._clock() + self.reset_seconds

    def hold_off(self, seconds: float) -> None:
        """Open now for ``seconds`` (the service asked us to wait that long)."""
        with self._lock:
            self._open_until = max(self._open_until, self._clock() + seconds)

    @property
    def is_open(self) -> bool:
        return not self.allow()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


class PolicyTransport(httpx.BaseTransport):
    """An ``httpx`` transport that applies a :class:`CallPolicy` below any client.

    Being a transport, it also serves clients we do not write (the ``akismet`` package
    takes an ``httpx.Client``). ``base_url`` sends every request to another origin (a
    compatible service, a test server) whatever URL the client built. A transient failure
    that outlasts the retries raises ``TransientError``; any other answer is returned.
    """

    def __init__(
        self,
        name: str,
        policy: CallPolicy,
        *,
        inner: httpx.BaseTransport | None = None,
        breaker: CircuitBreaker | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()
        self.breaker = breaker or CircuitBreaker(policy.breaker_failures, policy.breaker_seconds)
        self.base = httpx.URL(base_url) if base_url else None
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.base is not None:
            prefix = self.base.path.rstrip("/")
            request.url = request.url.copy_with(
                scheme=self.base.scheme,
                host=self.base.host,
                port=self.base.port,
                path=prefix + request.url.path if prefix else request.url.path,
            )
        if not self.breaker.allow():
            raise TransientError(f"{self.name}: circuit open")
        problem = "no attempt"
        for attempt in range(self.policy.retries + 1):
            wait = self._backoff(attempt)
            try:
                response = self.inner.handle_request(request)
            except httpx.TimeoutException:
                problem = "timeout"
            except httpx.TransportError as error:
                problem = type(error).__name__
            else:
                if response.status_code not in TRANSIENT_STATUSES:
                    if response.is_success:
                        self.breaker.success()
                    return response
                response.read()
                response.close()
                problem = f"HTTP {response.status_code}"
                asked = retry_after_seconds(response.headers.get("Retry-After"))
                if asked is not None:
                    if asked > self.policy.max_wait_seconds:
                        self.breaker.hold_off(asked)
                        raise TransientError(f"{self.name}: asked to wait {asked:.0f} s")
                    wait = asked
            logger.info("backend=%s attempt=%s failed: %s", self.name, attempt + 1, problem)
            if attempt < self.policy.retries:
                self._sleep(wait)
        self.breaker.failure()
        raise TransientError(f"{self.name}: {problem}")

    def close(self) -> None:
        self.inner.close()

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_cap_seconds, self.policy.backoff_seconds * (2**attempt))
        # Full jitter: retries from many workers do not arrive together.
        return random.uniform(0, base)  # noqa: S311 - timing jitter, not security


def policy_client(transport: PolicyTransport) -> httpx.Client:
    """An ``httpx.Client`` whose every request goes through ``transport``."""
    return httpx.Client(transport=transport, timeout=transport.policy.timeout_seconds)


class ResilientHttp:
    """POSTs JSON to one backend through a :class:`PolicyTransport`."""

    def __init__(self, transport: PolicyTransport) -> None:
        self.transport = transport
        self.name = transport.name
        self.client = policy_client(transport)

    @property
    def breaker(self) -> CircuitBreaker:
        return self.transport.breaker

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        """A 2xx response, or ``TransientError`` (retries spent) / ``PermanentError``."""
        response = self.client.post(url, **kwargs)
        if not response.is_success:
            # Our request or our key is wrong: asking again will not help.
            raise PermanentError(f"{self.name}: HTTP {response.status_code}")
        return response

    def json(self, response: httpx.Response) -> Any:
        """The response's JSON body, or ``MalformedAnswer``."""
        try:
            return response.json()
        except ValueError:
            raise self.malformed("answer is not JSON") from None

    def malformed(self, what: str) -> MalformedAnswer:
        """Count a malformed answer as a failure and describe it."""
        self.breaker.failure()
        return MalformedAnswer(f"{self.name}: {what}")


class ResultCache:
    """The last answers of one backend, by comment, for ``ttl`` seconds (process-local)."""

    def __init__(
        self, size: int = 2048, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.size = size
        self.ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Score | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Score | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] < self._clock():
                return False, None
            self._entries.move_to_end(key)
            return True, entry[1]

    def put(self, key: str, value: Score | None) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def submission_key(submission: Submission) -> str:
    """What identifies one comment to a backend: its text and the context sent with it."""
    material = "\x1f".join(
        (
            submission.text,
            submission.author_name,
            submission.email_hash,
            submission.article_key,
            submission.ip or "",
            submission.language or "",
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()


class RemoteClassifier:
    """A classifier over an outside service, one request per comment, answers cached.

    Subclasses implement :meth:`score_one`. A failure on one comment of a batch raises after
    the others are tried, so that what did answer is cached for the retry.
    """

    name = "remote"

    def __init__(self, http: ResilientHttp, cache: ResultCache | None = None) -> None:
        self.http = http
        self.cache = cache or ResultCache()

    def score_one(self, submission: Submission) -> Score | None:
        raise NotImplementedError

    def score(self, batch: Sequence[Submission]) -> list[Score | None]:
        answers: list[Score | None] = []
        failure: TransientError | PermanentError | None = None
        for submission in batch:
            key = submission_key(submission)
            found, cached = self.cache.get(key)
            if found:
                answers.append(cached)
                continue
            try:
                answer = self.score_one(submission)
            except (TransientError, PermanentError) as error:
                failure = failure or error
                answers.append(None)
                continue
            self.cache.put(key, answer)
            answers.append(answer)
        if failure is not None:
            raise failure
        return answers


def elapsed_ms(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` value)."""
    return round((time.perf_counter() - started) * 1000, 2)
