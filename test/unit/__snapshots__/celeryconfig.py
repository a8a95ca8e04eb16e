# Celery settings rendered by queuekit for worker pool "default" of stack test.
# Import it in your app: app.config_from_object("queuekit_celeryconfig")
# Every value below says why it is what it is; the memory numbers come from the stack's plan.

# The broker (and result backend) is the stack's Redis; the password comes from a Pulumi secret.
broker_url = "redis://:pw@redis:6379/0"
result_backend = "redis://:pw@redis:6379/0"

# JSON by default: readable in Redis, no code execution on load; msgpack is ~5% smaller per message.
task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]

# Acknowledge after the task ran, so a task whose worker dies mid-way is delivered again.
task_acks_late = True
# ...including when the child was killed (OOM, --max-memory-per-child): requeue instead of marking it failed.
task_reject_on_worker_lost = True
# Results are not stored unless a task asks for it: stored results are what fills Redis.
task_ignore_result = True
# Stored results expire (they get a TTL), so volatile-* eviction can reclaim them and never a queue.
result_expires = 3600
# Messages each process reserves, from the plan: 1 keeps a backlog of long tasks in Redis; shorter tasks reserve a few
# so a late-acking worker is never idle between two of them. A reserved message was never acknowledged: a warm
# shutdown returns it at once, a killed worker's comes back after the visibility timeout (+ up to ~100 s in kombu 5.2).
worker_prefetch_multiplier = 2
# Measured heavy tasks run in their own pool (its queue); every other task goes where the app sends it.
task_routes = {}
# A task not acknowledged within this time is delivered again: longer than the longest task.
broker_transport_options = {"visibility_timeout": 1230}
result_backend_transport_options = {"visibility_timeout": 1230}
# Limits per task: the soft one raises SoftTimeLimitExceeded so the task can clean up.
task_soft_time_limit = 540
task_time_limit = 600
# Publishing stops this many bytes short of maxmemory: a worker (re)starting on a full Redis still has room for the
# writes kombu makes before it can consume (noeviction refuses every write above maxmemory, and nobody would drain).
queuekit_publish_headroom_bytes = 4278190
import queuekit_celery as _queuekit  # noqa: E402  (next to this file in the worker image; producers ship it too)

_queuekit.guard_publishing(queuekit_publish_headroom_bytes)
# A full Redis makes task.delay() raise kombu.exceptions.OperationalError (queuekit_celery.QueueFull, or Redis' own
# "OOM command not allowed") after one immediate resend whatever this policy says: back off as docs/producers.md
# shows. The policy covers Redis restarting (connection errors): about 9 s of resends instead of Celery's 0.6 s.
task_publish_retry = True
task_publish_retry_policy = {"max_retries": 6, "interval_start": 0.5, "interval_step": 0.5, "interval_max": 2}
# Keep retrying the broker connection at start-up: Redis may still be loading its AOF.
broker_connection_retry_on_startup = True
# Worker events off: they are extra Redis traffic and memory nobody reads without a monitor.
worker_send_task_events = False
