"""queuekit's demo Celery app: tasks to add, sleep and allocate memory, for tests and benchmarks."""
import hashlib
import json
import os
import time

import redis
from celery import Celery

# Tasks whose worker keeps dying (OOM) fail after a few deliveries instead of looping forever.
app = Celery("demo", task_cls="queuekit_celery:BoundedRedeliveryTask")
# Rendered by queuekit from templates/celery/celeryconfig.py.tmpl and uploaded into the container.
app.config_from_object("queuekit_celeryconfig")

# Allocations kept with keep=True stay in the child process, like a leaking task.
_held = []


@app.task(ignore_result=False)
def add(x, y):
    return x + y


@app.task(ignore_result=False)
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(ignore_result=False)
def alloc(mib, hold_seconds=0.0, keep=False):
    """Touch `mib` MiB (so it is resident, not just reserved), hold it, optionally keep it in the child."""
    block = bytearray(mib * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(hold_seconds)
    if keep:
        _held.append(block)
    return {"mib": mib, "pid": os.getpid()}


@app.task(ignore_result=False)
def record(token):
    """Append a token to a Redis list: lets tests count executions (exactly once or not)."""
    redis.Redis.from_url(app.conf.broker_url).rpush("queuekit:demo:executed", token)
    return token


@app.task(bind=True)
def tick(self, key="queuekit:demo:ticks"):
    """A periodic task for Celery beat: append when it ran and who sent it (the producer's node), so a test can count
    runs on schedule and tell a second scheduler's sends from the first's."""
    run = {"at": time.time(), "origin": self.request.origin, "id": self.request.id}
    redis.Redis.from_url(app.conf.broker_url).rpush(key, json.dumps(run))
    return run


@app.task(ignore_result=False)
def settings_digest(names, secrets_dir="/run/secrets"):
    """What the app sees of its settings and secrets (workers[].env, workers[].secrets): per name, where it came from
    (a secret file under secrets_dir, else the environment) and the SHA-256 of the value, never the value itself."""
    seen = {}
    for name in names:
        path = os.path.join(secrets_dir, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                value = f.read()
            st = os.stat(path)
            seen[name] = {"from": "file", "sha256": hashlib.sha256(value).hexdigest(),
                          "mode": oct(st.st_mode & 0o777), "uid": st.st_uid, "reader": os.getuid()}
        elif name in os.environ:
            seen[name] = {"from": "env", "sha256": hashlib.sha256(os.environ[name].encode()).hexdigest()}
        else:
            seen[name] = {"from": None}
    return seen


# Benchmark tasks (npm run bench:burst, npm run calibrate). Each run is counted in a ledger Redis outside the
# measured stack, so lost and doubled tasks are counted without adding to the broker's memory.
_ledgers = {}


def _touch(mib):
    block = bytearray(mib * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return block


def _count(ledger, token):
    # Only a redis:// or rediss:// ledger counts: calibration sends the benchmark's message shape with a placeholder
    # URL. A rediss:// ledger names its CA in the URL (?ssl_ca_certs=/etc/queuekit/redis-ca.crt with redis.tls).
    if ledger and ledger.startswith(("redis://", "rediss://")) and token is not None:
        if ledger not in _ledgers:
            _ledgers[ledger] = redis.Redis.from_url(ledger)
        _ledgers[ledger].hincrby("queuekit:ledger", token, 1)


@app.task
def light(token=None, ledger=None, mib=1, pad=None):
    """A short task: touch `mib` MiB and return at once (`pad` only makes the message bigger)."""
    _touch(mib)
    _count(ledger, token)


@app.task
def heavy(token=None, ledger=None, mib=150, hold_seconds=1.0):
    """A memory-heavy task: touch `mib` MiB and hold it for `hold_seconds`."""
    block = _touch(mib)
    time.sleep(hold_seconds)
    del block
    _count(ledger, token)
