"""queuekit's Celery helpers, uploaded next to the rendered celeryconfig.

With task_acks_late + task_reject_on_worker_lost, a task whose worker child is killed (OOM) goes
back to the queue. A task that always needs more memory than the container has would then be
redelivered forever. BoundedRedeliveryTask counts deliveries per task id in Redis and fails the
task once it has been started more than QUEUEKIT_MAX_DELIVERIES times.

Use it:  app = Celery("proj", task_cls="queuekit_celery:BoundedRedeliveryTask")
"""
import os

import redis
from celery import Task

MAX_DELIVERIES = int(os.environ.get("QUEUEKIT_MAX_DELIVERIES", "3"))


class DeliveredTooOften(Exception):
    """The task was started MAX_DELIVERIES times and its worker died each time."""


class BoundedRedeliveryTask(Task):
    _counter = None

    def _redis(self):
        # One connection per child process, opened lazily after the fork.
        if BoundedRedeliveryTask._counter is None:
            BoundedRedeliveryTask._counter = redis.Redis.from_url(self.app.conf.broker_url)
        return BoundedRedeliveryTask._counter

    def __call__(self, *args, **kwargs):
        task_id = self.request.id
        if task_id and not self.request.called_directly:
            key = f"queuekit:deliveries:{task_id}"
            client = self._redis()
            deliveries = client.incr(key)
            # The counter outlives every redelivery window (kombu 5.2 restores up to ~100 s after the visibility
            # timeout), then disappears by itself.
            client.expire(key, 2 * int(self.app.conf.broker_transport_options.get("visibility_timeout", 3600)) + 300)
            if deliveries > MAX_DELIVERIES:
                raise DeliveredTooOften(
                    f"task {self.name}[{task_id}] was started {deliveries - 1} times and its worker "
                    f"was lost each time (OOM kill?); giving up instead of redelivering it forever"
                )
        return super().__call__(*args, **kwargs)
