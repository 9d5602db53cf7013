"""How the services ask the workers for work: tasks enqueued by name (publishing.tasks sits above and calls
the services), in batches on each network's queue, and a dispatch as soon as a transaction commits."""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)
# The tasks (publishing.tasks) sit above the services and call them; the services enqueue them by name.
POSTS_DISPATCH_TASK = "publishing.tasks.posts_dispatch_task"
POST_PUBLISH_TASK = "publishing.tasks.post_publish_task"
POST_RECONCILE_TASK = "publishing.tasks.post_reconcile_task"
POST_RECALL_TASK = "publishing.tasks.post_recall_task"


def task_named(name: str):
    """A task of the layer above, by its registered name: services enqueue tasks without importing them. A worker
    has imported every app's tasks at start; a web process imports them (Celery's autodiscovery) on first need."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def tasks_enqueue(task, queued: list[tuple[int, str]], *, extra: tuple = ()) -> None:
    """One message per post on its network's queue, sent as one batch where the broker takes batches (Redis: one
    pipelined round trip instead of one per post). Each queue is declared once here rather than with each
    message. A batch lost to a broker failure leaves its posts `queued` without a message, and the sweeper
    queues them again."""
    if not queued:
        return
    task = task_named(task) if isinstance(task, str) else task
    queues = {network: task.app.amqp.queues[f"publish.{network}"] for network in {n for _pk, n in queued}}
    with task.app.producer_or_acquire() as producer, producer.batch():
        for queue in queues.values():
            producer.maybe_declare(queue)
        for pk, network in queued:
            args = [pk, *extra]
            task.apply_async(
                args=args, queue=queues[network], producer=producer, declare=[], argsrepr=repr(args), kwargsrepr="{}"
            )


def dispatch_soon() -> None:
    """Posts that are due now need not wait for beat's next tick: a worker is asked to dispatch as soon as the
    current transaction commits. Beat's tick stays the guarantee: with the broker out of reach the posts go at
    that tick, and whoever approved them sees no error."""
    transaction.on_commit(_dispatch_request)


def _dispatch_request() -> None:
    try:
        task_named(POSTS_DISPATCH_TASK).apply_async(retry=False)
    except OperationalError as error:
        logger.warning("Could not ask for a dispatch now (%s); beat's next tick will dispatch.", error)
