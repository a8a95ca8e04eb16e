"""The example app's tasks: one reads a plain setting and a secret, one runs periodically (beat), one is heavy."""
import hashlib
import hmac
import json
import os
import resource
import socket
import time

import redis
from celery import Celery

# queuekit renders queuekit_celeryconfig (broker, result backend, routes, limits) into /etc/queuekit of each worker
# and of beat; the web front mounts the same file read-only.
app = Celery("webapp")
app.config_from_object("queuekit_celeryconfig")

HEARTBEATS = "webapp:heartbeats"
# A plain setting read at import, as a settings module would: the periodic task's interval (workers[].env). Beat
# imports this module too, so it needs the pool's env to schedule what the stack config says.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "60"))


def _secret(name):
    """A secret the stack delivers as a file (workers[].secrets → /run/secrets/<NAME>, mode 0400); None without it."""
    try:
        with open(os.path.join("/run/secrets", name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def _key_id():
    """Which signing key this process holds (its SHA-256's first 12 hex digits), never the key itself."""
    key = _secret("SIGNING_KEY")
    return hashlib.sha256(key).hexdigest()[:12] if key is not None else None


# Read at import like the interval: beat signs its schedule with the key it was given.
KEY_ID = _key_id()


@app.on_after_configure.connect
def _schedule(sender, **_):
    sender.add_periodic_task(HEARTBEAT_SECONDS, heartbeat.s(every=HEARTBEAT_SECONDS, key_id=KEY_ID), name="heartbeat")


# The kit's celeryconfig stores no results by default (task_ignore_result): these two are asked for.
@app.task(ignore_result=False)
def greet(name):
    """Reads the plain setting APP_GREETING and signs the greeting with the secret SIGNING_KEY (HMAC-SHA256)."""
    text = f"{os.environ.get('APP_GREETING', 'Hello')}, {name}!"
    key = _secret("SIGNING_KEY")
    if key is None:
        raise RuntimeError("no /run/secrets/SIGNING_KEY: set queuekit:workers[0].secrets.SIGNING_KEY")
    signature = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
    return {"greeting": text, "signature": signature, "worker": socket.gethostname()}


@app.task
def heartbeat(every, key_id):
    """Sent by beat every HEARTBEAT_SECONDS: records when it ran, the interval beat read, and whether beat's key is
    the worker's."""
    run = {"at": time.time(), "every": every, "same_key": key_id is not None and key_id == _key_id()}
    redis.Redis.from_url(app.conf.broker_url).rpush(HEARTBEATS, json.dumps(run))
    return run


@app.task(ignore_result=False)
def build_report(mib):
    """A memory-heavy task (its own pool, one child): builds `mib` MiB in memory and returns its digest and the
    child's peak RSS, so the pool's per-child memory can be checked against it."""
    block = bytearray(mib * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = i // 4096 % 256
    digest = hashlib.sha256(block).hexdigest()
    del block
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"mib": mib, "sha256": digest, "peak_rss_mib": round(peak_kib / 1024, 1), "worker": socket.gethostname()}
