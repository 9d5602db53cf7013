"""Celery tasks of listening: thin, arguments in and one service call."""

from celery import shared_task

from .collect import conversations_listen
from .retention import comments_erase


@shared_task(name="publishing.listening.tasks.conversations_listen_task", queue="metrics")
def conversations_listen_task() -> int:
    return conversations_listen().posts


@shared_task(name="publishing.listening.tasks.comments_erase_task")
def comments_erase_task() -> int:
    return comments_erase()
