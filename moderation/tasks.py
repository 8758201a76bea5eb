"""Task names and queues: the only contract between the web side and the workers.

A leaf: it imports nothing of the project, so the web, the services, the integrations and
the workers can all depend on it. The web side publishes by these names (``send_task``);
the workers register their functions under them; a contract test checks both agree.
"""

from __future__ import annotations

TASK_CLASSIFY_COMMENT = "moderation.classify_comment"
TASK_SWEEP_OUTBOX = "moderation.sweep_outbox"
TASK_DELIVER_WEBHOOK = "moderation.deliver_webhook"
TASK_SWEEP_WEBHOOKS = "moderation.sweep_webhooks"
TASK_RETRAIN_MODELS = "moderation.retrain_models"
TASK_REPORT_SPAM_FEEDBACK = "moderation.report_spam_feedback"
TASK_REFRESH_SEARCH_STATISTICS = "moderation.refresh_search_statistics"

#: Every task the workers must register.
TASK_NAMES = frozenset(
    {
        TASK_CLASSIFY_COMMENT,
        TASK_SWEEP_OUTBOX,
        TASK_DELIVER_WEBHOOK,
        TASK_SWEEP_WEBHOOKS,
        TASK_RETRAIN_MODELS,
        TASK_REPORT_SPAM_FEEDBACK,
        TASK_REFRESH_SEARCH_STATISTICS,
    }
)

#: One queue per family of work, so that slow work of one kind (a webhook receiver that
#: hangs, a retraining) can never delay the comment checks.
QUEUE_CHECKS = "checks"
QUEUE_MAINTENANCE = "maintenance"
QUEUE_WEBHOOKS = "webhooks"
QUEUE_TRAINING = "training"

TASK_QUEUES = {
    TASK_CLASSIFY_COMMENT: QUEUE_CHECKS,
    TASK_SWEEP_OUTBOX: QUEUE_MAINTENANCE,
    TASK_DELIVER_WEBHOOK: QUEUE_WEBHOOKS,
    # The webhook sweeper only publishes: it must not wait behind slow deliveries.
    TASK_SWEEP_WEBHOOKS: QUEUE_MAINTENANCE,
    TASK_RETRAIN_MODELS: QUEUE_TRAINING,
    # Calls to an outside spam filter: beside the webhooks, away from the checks.
    TASK_REPORT_SPAM_FEEDBACK: QUEUE_WEBHOOKS,
    TASK_REFRESH_SEARCH_STATISTICS: QUEUE_MAINTENANCE,
}
