"""Celery tasks of the publisher: each takes ids and calls one service."""

from celery import shared_task

from . import delivery, recall


@shared_task(name="publishing.tasks.posts_dispatch_task", ignore_result=True)
def posts_dispatch_task() -> int:
    return len(delivery.posts_dispatch())


@shared_task(name="publishing.tasks.post_publish_task", ignore_result=True)
def post_publish_task(post_id: int) -> str:
    return delivery.post_publish(post_id=post_id)


@shared_task(name="publishing.tasks.posts_sweep_task", ignore_result=True)
def posts_sweep_task() -> dict:
    return delivery.posts_sweep()


@shared_task(name="publishing.tasks.post_reconcile_task", ignore_result=True)
def post_reconcile_task(post_id: int) -> str:
    return delivery.post_reconcile(post_id=post_id)


@shared_task(name="publishing.tasks.post_recall_task", ignore_result=True)
def post_recall_task(post_id: int, recall_id: int) -> str:
    return recall.post_recall(post_id=post_id, recall_id=recall_id)


@shared_task(name="publishing.tasks.metrics_collect_task", ignore_result=True)
def metrics_collect_task() -> str:
    from .reach.collect import metrics_collect

    return metrics_collect().line()


@shared_task(name="publishing.tasks.metrics_thin_task", ignore_result=True)
def metrics_thin_task() -> int:
    from .reach.collect import snapshots_thin

    return snapshots_thin()


@shared_task(name="publishing.tasks.metrics_digest_task", ignore_result=True)
def metrics_digest_task() -> int:
    from .reach.digest import digest_send

    return digest_send()
