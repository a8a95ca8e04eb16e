"""Checks of templates/celery/queuekit_celery.py that need no broker, run by test/unit/queuekit-celery.test.ts.

Prints one JSON object: what each check saw.
"""
import json
import sys

from kombu.asynchronous.timer import Timer

import queuekit_celery as qk

out = {}

# prune_cancelled: a timer with 1,000 entries, 998 of them cancelled (a task's soft + hard timeouts), keeps 2, in
# heap order, in the same list object, and still fires the live ones.
timer = Timer()
fired = []
trefs = [timer.call_after(1000 + i, fired.append, (i,)) for i in range(1000)]
for i, tref in enumerate(trefs):
    if i not in (10, 500):
        timer.cancel(tref)
queue = timer._queue
qk.prune_cancelled(timer)
out["prune"] = {"left": len(timer._queue), "same_list": timer._queue is queue,
                "next": timer._queue[0].entry.args[0]}

# MemoryGauge: refuses the message that would pass maxmemory - headroom, reads INFO again when stale or when this
# process may have used half the room, and never refuses without a maxmemory.
class FakeRedis:
    def __init__(self, used, maxmemory):
        self.used, self.maxmemory, self.reads = used, maxmemory, 0

    def info(self, section):
        assert section == "memory"
        self.reads += 1
        return {"used_memory": self.used, "maxmemory": self.maxmemory}


MiB = 1024 * 1024
client = FakeRedis(used=90 * MiB, maxmemory=100 * MiB)
gauge = qk.MemoryGauge(headroom=2 * MiB)
sent, refused = 0, None
try:
    while sent < 100_000:
        gauge.admit(client, 1000)
        client.used += 1000  # Redis takes what was sent
        sent += 1
except qk.QueueFull as exc:
    refused = str(exc)
out["gauge"] = {"sent": sent, "left": client.maxmemory - client.used, "reads": client.reads, "refused": refused,
                "is_response_error": isinstance(qk.QueueFull("x"), __import__("redis").exceptions.ResponseError)}
unlimited = FakeRedis(used=10 * MiB, maxmemory=0)
g2 = qk.MemoryGauge(headroom=2 * MiB)
for _ in range(10_000):
    g2.admit(unlimited, 1000)
out["unlimited"] = {"reads": unlimited.reads}

json.dump(out, sys.stdout)
