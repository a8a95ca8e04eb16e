"""queuekit's demo Celery app: tasks to add, sleep and allocate memory, for tests and benchmarks."""
import time

import redis
from celery import Celery

app = Celery("demo")
# Rendered by queuekit from templates/celery/celeryconfig.py.tmpl and uploaded into the container.
app.config_from_object("queuekit_celeryconfig")

# Held allocations are dropped after the task: a child's RSS stays high, as with real leaky tasks.
_held = []


@app.task
def add(x, y):
    return x + y


@app.task
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(bind=True, max_retries=2, default_retry_delay=1)
def alloc(self, mib, hold_seconds=0.0, keep=False):
    """Touch `mib` MiB (so it is resident, not just reserved), hold it, optionally keep it in the child."""
    block = bytearray(mib * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(hold_seconds)
    if keep:
        _held.append(block)
    return mib


@app.task
def record(token):
    """Append a token to a Redis list: lets tests count executions (exactly once or not)."""
    redis.Redis.from_url(app.conf.broker_url).rpush("queuekit:demo:executed", token)
    return token
