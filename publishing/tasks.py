"""Celery tasks of the publisher: each takes ids and calls one service."""

from celery import shared_task

from . import recall, services


@shared_task(name="publishing.tasks.posts_dispatch_task", ignore_result=True)
def posts_dispatch_task() -> int:
    return len(services.posts_dispatch())


@shared_task(name="publishing.tasks.post_publish_task", ignore_result=True)
def post_publish_task(post_id: int) -> str:
    return services.post_publish(post_id=post_id)


@shared_task(name="publishing.tasks.posts_sweep_task", ignore_result=True)
def posts_sweep_task() -> dict:
    return services.posts_sweep()


@shared_task(name="publishing.tasks.post_reconcile_task", ignore_result=True)
def post_reconcile_task(post_id: int) -> str:
    return services.post_reconcile(post_id=post_id)


@shared_task(name="publishing.tasks.post_recall_task", ignore_result=True)
def post_recall_task(post_id: int, recall_id: int) -> str:
    return recall.post_recall(post_id=post_id, recall_id=recall_id)
