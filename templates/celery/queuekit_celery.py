"""queuekit's Celery helpers, uploaded next to the rendered celeryconfig (producers ship it too).

Bounded redelivery. With task_acks_late + task_reject_on_worker_lost, a task whose worker child is killed (OOM) goes
back to the queue. A task that always needs more memory than the container has would then be redelivered forever.
BoundedRedeliveryTask counts the deliveries of a redelivered task in Redis and fails it once it has been started more
than QUEUEKIT_MAX_DELIVERIES times. A first delivery costs no Redis call: kombu marks every message it puts back
(reject, visibility timeout, shutdown) as redelivered, and only those are counted.

Publish headroom. With maxmemory + noeviction, Redis refuses every write once the queue fills maxmemory, including
the few a worker makes before it can consume (kombu's restore lock, queue bindings): a backlog that fills Redis would
then keep restarting workers and nobody would drain it. guard_publishing(headroom) makes every publish through kombu's
Redis transport in this process refuse first, `headroom` bytes short of maxmemory, with QueueFull (a ResponseError
whose text starts like Redis' own, so producers that back off on Redis' refusal back off on this one too).

Children die first. A memory cgroup at its limit kills its biggest process, and a worker's main process is often
bigger than one child. Killed, it takes the container down and strands every message it had reserved until the
visibility timeout; a killed child only loses its one task, which goes back to the queue. Each prefork child raises
its own oom_score_adj to CHILD_OOM_SCORE_ADJ (a process may always raise its own), so the kernel picks a child.

Liveness without a second Celery. A healthcheck of `celery inspect ping` starts a second Python with Celery and the
app inside the worker's memory cgroup (~27 MiB private, measured) that no plan counts. The Liveness consumer step
touches LIVENESS_FILE every LIVENESS_EVERY_S seconds from the worker's event loop instead; the container's healthcheck
only reads the file's age.

Timers pruned. With a time limit, the prefork pool schedules a soft and a hard timeout on the worker's event loop for
every task and cancels them when the task ends; kombu's timer only marks a cancelled entry and keeps it in its heap
until its time comes (task_time_limit later). The worker's main process grew by ~10 MiB per 20,000 tasks (measured),
every fork started that much bigger, and the pool's container reached its limit (npm run bench:burst, backlog).
The same step drops cancelled entries every LIVENESS_EVERY_S seconds.

Use it:  app = Celery("proj", task_cls="queuekit_celery:BoundedRedeliveryTask"); the rendered celeryconfig calls
guard_publishing.
"""
import heapq
import os
import time

import redis
from celery import Task, bootsteps, signals
from kombu import transport as kombu_transports
from kombu.transport import redis as kombu_redis

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

    def _deliveries(self, task_id):
        """This delivery's number: 1 unless kombu put the message back, else counted in Redis (one round trip)."""
        if not (self.request.delivery_info or {}).get("redelivered"):
            return 1
        key = f"queuekit:deliveries:{task_id}"
        # The counter outlives every redelivery window (kombu 5.2 restores up to ~100 s after the visibility
        # timeout), then disappears by itself.
        ttl = 2 * int(self.app.conf.broker_transport_options.get("visibility_timeout", 3600)) + 300
        pipe = self._redis().pipeline(transaction=False)
        pipe.set(key, 1, nx=True, ex=ttl)  # the first delivery was not counted
        pipe.incr(key)
        pipe.expire(key, ttl)
        return pipe.execute()[1]

    def __call__(self, *args, **kwargs):
        task_id = self.request.id
        if task_id and not self.request.called_directly:
            deliveries = self._deliveries(task_id)
            if deliveries > MAX_DELIVERIES:
                raise DeliveredTooOften(
                    f"task {self.name}[{task_id}] was started {deliveries - 1} times and its worker "
                    f"was lost each time (OOM kill?); giving up instead of redelivering it forever"
                )
        return super().__call__(*args, **kwargs)


CHILD_OOM_SCORE_ADJ = 500
# The container sets it (infra/components/workerPool.ts) and its healthcheck reads the same path.
LIVENESS_FILE = os.environ.get("QUEUEKIT_LIVENESS_FILE", "/tmp/queuekit-alive")
LIVENESS_EVERY_S = 10.0


def touch_liveness():
    with open(LIVENESS_FILE, "a"):
        os.utime(LIVENESS_FILE)


def prune_cancelled(timer):
    """Drop cancelled entries from a kombu timer's heap, in place (its iterator holds the same list)."""
    queue = timer._queue
    live = [item for item in queue if not item.entry.canceled]
    if len(live) < len(queue):
        heapq.heapify(live)
        queue[:] = live


class Liveness(bootsteps.StartStopStep):
    """Keeps LIVENESS_FILE fresh while the consumer runs (a blocked event loop or a lost broker lets it age), and
    the event loop's timer free of cancelled entries."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.tref = None

    def start(self, c):
        timer = c.timer

        def tick():
            touch_liveness()
            prune_cancelled(timer)

        tick()
        self.tref = timer.call_repeatedly(LIVENESS_EVERY_S, tick)

    def stop(self, c):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None
        try:
            os.remove(LIVENESS_FILE)
        except FileNotFoundError:
            pass


@signals.worker_init.connect
def add_liveness_step(sender=None, **_):
    """Before the worker builds its consumer: add the Liveness step to it."""
    sender.app.steps["consumer"].add(Liveness)


@signals.worker_process_init.connect
def children_die_first(**_):
    """In each prefork child: make it the OOM killer's choice over the worker's main process."""
    try:
        with open("/proc/self/oom_score_adj", "r+") as f:
            if int(f.read()) < CHILD_OOM_SCORE_ADJ:
                f.seek(0)
                f.write(str(CHILD_OOM_SCORE_ADJ))
    except OSError:  # not Linux, or /proc read-only: the kernel's own choice stands
        pass


class QueueFull(redis.exceptions.ResponseError):
    """Publishing refused by queuekit: Redis is within its publish headroom of maxmemory."""


# Re-read Redis' memory at least this often: other producers fill it too.
GAUGE_MAX_AGE_S = 1.0


class MemoryGauge:
    """Room left for publishing on one Redis; read again when stale or when this process may have used half of it."""

    def __init__(self, headroom):
        self.headroom = headroom
        self.read_at = float("-inf")
        self.room = 0
        self.sent = 0
        self.used = self.maxmemory = 0

    def admit(self, client, nbytes):
        if time.monotonic() - self.read_at > GAUGE_MAX_AGE_S or self.sent + nbytes > self.room / 2:
            info = client.info("memory")
            self.used, self.maxmemory = int(info["used_memory"]), int(info.get("maxmemory", 0))
            self.room = self.maxmemory - self.headroom - self.used if self.maxmemory else float("inf")
            self.read_at, self.sent = time.monotonic(), 0
        if self.sent + nbytes > self.room:
            raise QueueFull(
                f"OOM command not allowed when used memory > 'maxmemory' - queuekit's publish headroom: "
                f"used_memory {self.used} of maxmemory {self.maxmemory}, the last {self.headroom} bytes are kept "
                f"for workers to start and drain; back off and send again (docs/producers.md)"
            )
        self.sent += nbytes


class GuardedChannel(kombu_redis.Channel):
    """kombu's Redis channel, refusing a publish that would take Redis into its publish headroom."""

    publish_headroom = 0

    def _put(self, queue, message, **kwargs):
        gauge = self.__dict__.get("_queuekit_gauge")
        if gauge is None:
            gauge = self._queuekit_gauge = MemoryGauge(self.publish_headroom)
        # The body dominates a message; headers and properties add ~600 bytes.
        nbytes = len(message.get("body") or "") + 600
        with self.conn_or_acquire() as client:
            gauge.admit(client, nbytes)
        super()._put(queue, message, **kwargs)


class GuardedTransport(kombu_redis.Transport):
    Channel = GuardedChannel


def guard_publishing(headroom_bytes):
    """Route redis:// and rediss:// connections made from now on in this process through GuardedTransport."""
    GuardedChannel.publish_headroom = int(headroom_bytes)
    for scheme in ("redis", "rediss"):
        kombu_transports.TRANSPORT_ALIASES[scheme] = "queuekit_celery:GuardedTransport"
