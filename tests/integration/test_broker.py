"""The Redis transport keeps one client per channel, and messages still go out, come in and are acknowledged."""

import base64

from kombu import Exchange, Queue

from portal import broker
from portal.celery import app


def test_the_app_uses_the_transport_that_keeps_its_client():
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, broker.Transport)


def test_one_client_serves_publish_delivery_and_ack_until_the_pool_is_replaced():
    queue = Queue("chancery.broker-test", Exchange("chancery.broker-test"), routing_key="chancery.broker-test")
    with app.connection_for_write() as connection:
        channel = connection.channel()
        try:
            queue(channel).declare()
            queue(channel).purge()
            with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
                assert first is second

            producer = connection.Producer(channel)
            for number in range(3):
                producer.publish({"n": number}, exchange=queue.exchange, routing_key=queue.routing_key)
            received = []
            for _ in range(3):
                message = queue(channel).get(no_ack=False)
                received.append(message.payload["n"])
                message.ack()
            assert received == [0, 1, 2]
            assert queue(channel).get() is None
            with channel.conn_or_acquire() as after:
                assert after is first

            channel._disconnect_pools()  # as after a fork: a new pool, so a new client on it
            with channel.conn_or_acquire() as renewed:
                assert renewed is not first and renewed.connection_pool is channel.pool
                assert renewed.ping()
        finally:
            queue(channel).delete()
            channel.close()


def test_the_dispatcher_sends_each_post_its_message_on_its_network_queue():
    """The dispatcher's batch: one message per post, in order, on `publish.<network>`, with the post's id."""
    from kombu.utils.json import loads

    from publishing import queueing
    from publishing.tasks import post_publish_task

    name = "publish.broker-test"
    with app.connection_for_write() as connection:
        client = connection.default_channel.client
        client.delete(name)
        try:
            queueing.tasks_enqueue(
                post_publish_task, [(101, "broker-test"), (102, "broker-test"), (103, "broker-test")]
            )
            messages = [loads(raw) for raw in reversed(client.lrange(name, 0, -1))]
            assert [m["headers"]["task"] for m in messages] == [post_publish_task.name] * 3
            assert [loads(base64.b64decode(m["body"]))[0] for m in messages] == [[101], [102], [103]]
            assert [m["properties"]["delivery_info"]["routing_key"] for m in messages] == [name] * 3
        finally:
            client.delete(name)
