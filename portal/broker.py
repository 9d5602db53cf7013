"""The Redis broker transport, keeping one client per channel.

kombu's Redis channel builds a new `redis.Redis` for every command it sends outside its consumer (each
published message, each delivery's unacked bookkeeping, each acknowledgement). A client is only a handle on
the channel's connection pool (the pool does the locking, so one client serves every thread), but building
one sets up several hundred response callbacks: about a quarter of a millisecond of CPU, three times for every
task. This channel keeps the client it built, and builds a new one only when its pool is replaced.

Selected with `CELERY_BROKER_TRANSPORT = "portal.broker:Transport"` (see settings); everything else is
kombu's own Redis transport.
"""

from kombu.transport import redis


class Channel(redis.Channel):
    _sync_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        client = self._sync_client
        if client is None or client.connection_pool is not self.pool:
            client = self._sync_client = super()._create_client()
        return client


class Transport(redis.Transport):
    Channel = Channel
