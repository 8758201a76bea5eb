"""Standard Webhooks signatures, made by the reference ``standardwebhooks`` package.

``webhook-signature`` lists one ``v1,<base64>`` signature per live secret, separated by
spaces: during a rotation's grace period a message carries both, and a receiver that
still knows only the old secret keeps verifying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from standardwebhooks.webhooks import Webhook


def signature_headers(
    message_id: str, timestamp: dt.datetime, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The three headers of the specification for ``body``, sent at ``timestamp``."""
    # The package signs text: the body is UTF-8 JSON, so decoding then signing signs the
    # exact bytes we send.
    data = body.decode("utf-8")
    moment = timestamp.astimezone(dt.UTC)
    signatures = [Webhook(secret).sign(message_id, moment, data) for secret in secrets]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
