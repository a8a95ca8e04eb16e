"""A Celery producer against a Redis that refuses writes (maxmemory + noeviction), for the end-to-end tests.

`send_with_backoff` is the pattern docs/producers.md recommends, verbatim. The ops around it (stdin JSON
{"op": ...}, stdout JSON) let test/e2e/publish.e2e.test.ts drive it against the deployed stack:
  op "fill":    {"url", "key", "margin"} → RPUSH onto `key` until Redis refuses (at its maxmemory); then, with a
                margin (bytes), set maxmemory that far below used_memory (see fill); memory figures.
  op "free":    {"url", "key", "maxmemory"} → DEL `key` (allowed at maxmemory), maxmemory back to the given value.
  op "probe":   {"broker", "token", "ledger", "conf", "hold_seconds"?, "warm_then_fill"?, "margin"?} → one
                send_task("demo.heavy") with `conf` (the publish retry settings); the exception the caller sees
                (type, message, cause), how long the call took, what Redis counted meanwhile (LPUSH writes, OOM
                refusals). With warm_then_fill (a key), the process first sends one task while there is room, then
                fills Redis itself: a long-lived producer.
  op "backoff": {"broker", "token", "ledger", "deadline", "progress"?} → send_with_backoff; attempts, seconds, or the
                error. With progress (a path), each attempt writes its number there.
  op "guarded_fill": {"config_dir", "broker", "token", "ledger", "pad"} → through the stack's rendered celeryconfig
                (publish headroom guard on), send demo.light with `pad` bytes of padding until a send raises; how
                many were accepted, what was raised, Redis' memory then.
  op "state":   {"url", "token", "id"?} → the token's ledger count, the length of queue "celery", unacked messages,
                and BoundedRedeliveryTask's delivery count of task `id`.
"""
import json
import sys
import time

import redis
from celery import Celery
from kombu.exceptions import OperationalError

# --- the pattern of docs/producers.md, verbatim --------------------------------------------------------------


class QueueFull(Exception):
    """Redis kept refusing the task (its maxmemory is reached, policy noeviction) until the deadline."""


def is_refusal(exc):
    """True when Redis refused the write because it is at maxmemory: nothing was written, a resend is safe."""
    while exc is not None:
        if "OOM command not allowed" in str(exc):
            return True
        exc = exc.__cause__
    return False


def send_with_backoff(send, deadline_s=60.0, first_delay_s=0.5, max_delay_s=8.0):
    """Call send() (e.g. lambda: task.delay(x)) until Redis accepts it; back off while Redis is full.

    Returns send()'s AsyncResult. Raises QueueFull (from the last refusal) when Redis still refuses at the
    deadline, and any other error at once (connection errors were already retried by Celery's publish retry).
    """
    deadline = time.monotonic() + deadline_s
    delay = first_delay_s
    while True:
        try:
            return send()
        except OperationalError as exc:
            if not is_refusal(exc):
                raise
            if time.monotonic() + delay > deadline:
                raise QueueFull(f"Redis refused the task until the {deadline_s:.0f} s deadline: {exc}") from exc
            time.sleep(delay)
            delay = min(2 * delay, max_delay_s)


# --- test ops -------------------------------------------------------------------------------------------------


def memory(r):
    i = r.info("memory")
    return {"used_memory": i["used_memory"], "maxmemory": i["maxmemory"]}


def rendered_app(config_dir, broker):
    """A Celery app with the stack's own celeryconfig (and queuekit_celery next to it), sending over loopback."""
    sys.path.insert(0, config_dir)
    import queuekit_celeryconfig

    app = Celery("producer")
    app.config_from_object(queuekit_celeryconfig)
    app.conf.broker_url = app.conf.result_backend = broker
    return app


def app_for(req):
    app = Celery("producer", broker=req["broker"])
    app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True, **req.get("conf", {}))
    return app


def counters(r):
    """Redis' own counts: LPUSH calls that wrote, and OOM refusals (of any command)."""
    cmd, err = r.info("commandstats"), r.info("errorstats")
    return {
        "lpush_written": cmd.get("cmdstat_lpush", {}).get("calls", 0),
        # redis-py 4.3 leaves errorstats values unparsed: "count=N"
        "oom_refusals": int(str(err.get("errorstat_OOM", "count=0")).split("=")[1]),
    }


def fill(r, key, margin=0, chunk_kib=64):
    """RPUSH chunks onto `key` until Redis refuses a write, then smaller ones: used_memory ends at maxmemory.

    Redis refuses a write only while used_memory > maxmemory, and client buffers (a connection opening or
    closing, a query buffer trimmed) move used_memory by kilobytes: a Redis filled to exactly its maxmemory
    accepts the next small message now and then. With a margin, maxmemory is then set `margin` bytes below
    used_memory, so that it keeps refusing until the filler is deleted (free puts the planned value back).
    """
    pushed, error = 0, None
    for size in (chunk_kib * 1024, 4096, 256, 16):
        while True:
            try:
                r.rpush(key, b"x" * size)
                pushed += size
            except redis.exceptions.ResponseError as exc:
                error = str(exc)
                break
    filled = memory(r)
    if margin:
        r.config_set("maxmemory", min(filled["maxmemory"], filled["used_memory"] - margin))
    return {"pushed_bytes": pushed, "error": error, **filled}


def chain(exc):
    out = []
    while exc is not None:
        out.append({"type": f"{type(exc).__module__}.{type(exc).__qualname__}", "message": str(exc)})
        exc = exc.__cause__ or exc.__context__
    return out


if __name__ == "__main__":
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "fill":
        json.dump(fill(redis.Redis.from_url(req["url"]), req["key"], req.get("margin", 0)), sys.stdout)
    elif op == "free":
        r = redis.Redis.from_url(req["url"])
        r.delete(req["key"])
        r.config_set("maxmemory", req["maxmemory"])
        json.dump(memory(r), sys.stdout)
    elif op == "probe":
        r = redis.Redis.from_url(req["broker"])
        app = app_for(req)
        kwargs = {"token": req["token"], "ledger": req["ledger"], "mib": 1, "hold_seconds": req.get("hold_seconds", 0)}
        warm = {}
        if req.get("warm_then_fill"):
            # A long-lived producer: it published before (its queue declaration is cached), then Redis filled up.
            warm_kwargs = {**kwargs, "token": f"{req['token']}-warm"}
            warm_id = app.send_task("demo.heavy", kwargs=warm_kwargs).id
            warm = {"warm_id": warm_id, "fill": fill(r, req["warm_then_fill"], req.get("margin", 0))}
        before = counters(r)
        t0 = time.monotonic()
        try:
            result = {"accepted": app.send_task("demo.heavy", kwargs=kwargs).id}
        except Exception as exc:  # noqa: BLE001 - what reaches the caller is the point
            result = {"raised": chain(exc), "is_refusal": is_refusal(exc)}
        seconds = time.monotonic() - t0
        after = counters(r)
        redis_counts = {k: after[k] - before[k] for k in after}
        json.dump({**result, **warm, "seconds": round(seconds, 3), "redis": redis_counts}, sys.stdout)
    elif op == "backoff":
        app = app_for(req)
        kwargs = {"token": req["token"], "ledger": req["ledger"], "mib": 1, "hold_seconds": 0}
        attempts = 0

        def send():
            global attempts
            attempts += 1
            if req.get("progress"):  # the test makes room only once it has seen a refusal, however slow this start was
                with open(req["progress"], "w") as f:
                    f.write(str(attempts))
            return app.send_task("demo.heavy", kwargs=kwargs)

        t0 = time.monotonic()
        try:
            result = {"accepted": send_with_backoff(send, deadline_s=req["deadline"]).id}
        except QueueFull as exc:
            result = {"raised": chain(exc)}
        json.dump({**result, "attempts": attempts, "seconds": round(time.monotonic() - t0, 1)}, sys.stdout)
    elif op == "guarded_fill":
        r = redis.Redis.from_url(req["broker"])
        app = rendered_app(req["config_dir"], req["broker"])
        kwargs = {"token": req["token"], "ledger": req["ledger"], "mib": 0, "pad": "x" * req["pad"]}
        accepted, t0 = 0, time.monotonic()
        try:
            while True:
                app.send_task("demo.light", kwargs=kwargs, ignore_result=True)
                accepted += 1
        except Exception as exc:  # noqa: BLE001 - what reaches the caller is the point
            raised = chain(exc)
            refusal = is_refusal(exc)
        transport = type(app.connection_for_write().transport)
        json.dump(
            {
                "accepted": accepted,
                "seconds": round(time.monotonic() - t0, 1),
                "raised": raised,
                "is_refusal": refusal,
                "transport": f"{transport.__module__}.{transport.__qualname__}",
                **memory(r),
            },
            sys.stdout,
        )
    elif op == "state":
        r = redis.Redis.from_url(req["url"])
        count = r.hget("queuekit:ledger", req["token"])
        deliveries = r.get(f"queuekit:deliveries:{req['id']}") if req.get("id") else None
        json.dump(
            {
                "runs": int(count or 0),
                "queued": r.llen("celery"),
                "unacked": r.hlen("unacked"),
                "deliveries": int(deliveries or 0),
            },
            sys.stdout,
        )
    else:
        sys.exit(f"unknown op {op!r}")
