"""queuekit calibrate probe: loaded into the worker with `--include queuekit_calibrate_probe`.

It measures each task from inside the prefork child that runs it (the worker runs with
--max-tasks-per-child 1, so every run has a fresh child) and pushes one JSON record per run to
Redis list `queuekit:calibrate:run:<task id>`, where queuekit_calibrate_client.py waits for it.
When the worker is ready it writes its registered task names to `queuekit:calibrate:ready`.
"""
import json
import os
import resource
import time
import traceback

import redis
from celery import signals

READY_KEY = "queuekit:calibrate:ready"
RUN_KEY = "queuekit:calibrate:run:{}"
PAGE = os.sysconf("SC_PAGE_SIZE")

_started = {}
_failures = {}


def _fast_pool_maintenance():
    # With --max-tasks-per-child 1 Celery reaps an exited child only on its 5 s maintenance timer (the exit
    # sentinel does not fire here), so every run would wait up to 5 s for a fresh child: look every 0.2 s.
    try:
        from celery.concurrency import asynpool

        if isinstance(asynpool.AsynPool.__dict__.get("timers"), property):
            asynpool.AsynPool.timers = property(lambda self: {self.maintain_pool: 0.2})
    except Exception:  # another Celery: runs are slower, the figures the same
        pass


_fast_pool_maintenance()


def _rss_bytes():
    # statm counts resident pages with the same counters as ru_maxrss, so the two compare exactly.
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _uss_bytes():
    # Private pages of this child after the task: COW copies of the parent's pages show here, not in RSS.
    total = 0
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("Private_Clean", "Private_Dirty"):
                total += int(value.split()[0]) * 1024
    return total


def _usage():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_maxrss * 1024, r.ru_utime + r.ru_stime


def _reset_peak():
    # "5" resets the high-water mark to the current RSS (Linux ≥ 4.0), so ru_maxrss then measures this task only.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _client(app):
    return redis.Redis.from_url(app.conf.broker_url)


@signals.worker_ready.connect
def _on_ready(sender=None, **_):
    app = sender.app
    names = sorted(n for n in app.tasks.keys() if not n.startswith("celery."))
    _client(app).set(READY_KEY, json.dumps({"tasks": names, "pid": os.getpid()}))


@signals.task_prerun.connect
def _on_prerun(task_id=None, **_):
    reset = _reset_peak()
    rss = _rss_bytes()
    peak, cpu = _usage()
    _started[task_id] = {"rss": rss, "peak": peak, "cpu": cpu, "t": time.monotonic(), "reset": reset}


@signals.task_failure.connect
def _on_failure(task_id=None, exception=None, einfo=None, **_):
    tb = einfo.traceback if einfo is not None else "".join(traceback.format_exception(type(exception), exception, exception.__traceback__))
    _failures[task_id] = {"type": type(exception).__name__, "message": str(exception), "traceback": tb}


@signals.task_postrun.connect
def _on_postrun(task_id=None, task=None, state=None, **_):
    # Read the counters first: nothing the probe does afterwards may count as the task's.
    t = time.monotonic()
    peak, cpu = _usage()
    start = _started.pop(task_id, None)
    if start is None:
        return
    record = {
        "task": task.name,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "state": state,
        "rssBefore": start["rss"],
        "peakBefore": start["peak"],
        "peakAfter": peak,
        "peakReset": start["reset"],
        "seconds": t - start["t"],
        "cpuSeconds": cpu - start["cpu"],
        "ussAfter": _uss_bytes(),
        "error": _failures.pop(task_id, None),
    }
    client = _client(task.app)
    key = RUN_KEY.format(task_id)
    client.rpush(key, json.dumps(record))
    client.expire(key, 3600)
