"""The workers' Redis transport: an acknowledgement lost to a hung Redis frees its slot.

kombu's Redis transport acknowledges a message in two steps: it removes the message from
the "unacknowledged" index in Redis, then forgets it locally, which frees one of the
channel's prefetch slots. When Redis hangs (overloaded, black-holed, ``SIGSTOP``), the first
step times out, kombu logs "Couldn't ack" and carries on, and the second never runs. The
slot stays taken. With the workers' prefetch of one message per process, a few such
acknowledgements and the worker never asks Redis for another message, even once Redis is
back: it stays up, idle, while the checks queue grows.

Here the local step runs whatever Redis answered. A message whose removal from the index
failed is still recorded there, so Redis gives it out again after the visibility timeout;
the tasks are idempotent (their comment already decided, a redelivery does nothing), and
the outbox sweeper covers the work in any case. At least once, as before; never stuck.

Selected by ``workers.app`` for ``redis://`` broker URLs, through :func:`celery_settings`.
A ``rediss://`` URL keeps kombu's own transport: naming another transport would bypass the
TLS set-up kombu does for that scheme.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from kombu.transport import virtual


class QoS(kombu_redis.QoS):
    def ack(self, delivery_tag: Any) -> None:
        try:
            self._remove_from_indices(delivery_tag).execute()  # type: ignore[attr-defined]
        finally:
            # Frees the prefetch slot even when Redis did not answer (see the module).
            virtual.QoS.ack(self, delivery_tag)

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        try:
            if requeue:
                self.restore_by_tag(delivery_tag, leftmost=True)
            else:
                self._remove_from_indices(delivery_tag).execute()  # type: ignore[attr-defined]
        finally:
            virtual.QoS.ack(self, delivery_tag)


class Channel(kombu_redis.Channel):
    QoS = QoS


class Transport(kombu_redis.Transport):
    Channel = Channel


def celery_settings(broker_url: str) -> dict[str, Any]:
    """Celery settings that select this transport for a ``redis://`` broker URL, else none."""
    if not broker_url.startswith("redis://"):
        return {}
    return {"broker_transport": f"{__name__}:Transport"}
