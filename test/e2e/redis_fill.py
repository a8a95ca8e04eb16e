"""Fill the stack's Redis for the end-to-end tests (Debian's python3-redis + python3-celery).

stdin {"url", "op": ...}; stdout: JSON.
  op "capture": send one real Celery task to queue "fill" (no worker consumes it) and return the
                exact message Celery wrote (the template for "queue").
  op "queue":   LPUSH copies of `message` onto "fill" in batches until Redis refuses a write;
                return how many are queued, the error, and memory figures.
  op "results": SET `count` Celery-style result keys with a TTL (what result_expires gives).
"""
import json
import sys
import uuid

import redis
from celery import Celery

req = json.load(sys.stdin)
r = redis.Redis.from_url(req["url"])
info = lambda: r.info("memory") | r.info("stats")  # noqa: E731


def figures():
    i = info()
    return {"used_memory": i["used_memory"], "maxmemory": i["maxmemory"], "evicted_keys": i["evicted_keys"]}


if req["op"] == "capture":
    app = Celery("fill", broker=req["url"])
    app.conf.update(task_serializer=req.get("serializer", "json"), accept_content=["json", "msgpack"])
    app.send_task("demo.add", args=[1, 2], queue="fill")
    msg = r.lindex("fill", 0)
    r.delete("fill")
    json.dump({"message": msg.decode(), "bytes": len(msg)}, sys.stdout)
elif req["op"] == "queue":
    before = figures()
    msg = req["message"].encode()
    pushed, error = 0, None
    while pushed < req.get("max", 10_000_000):
        pipe = r.pipeline(transaction=False)
        for _ in range(200):
            pipe.lpush("fill", msg)
        replies = pipe.execute(raise_on_error=False)
        # Count only the writes Redis acknowledged: each of those must still be in the list.
        pushed += sum(1 for x in replies if not isinstance(x, Exception))
        refused = [x for x in replies if isinstance(x, Exception)]
        if refused:
            error = str(refused[0])
            break
    after = figures()
    json.dump({"pushed": pushed, "llen": r.llen("fill"), "error": error, "before": before, "after": after}, sys.stdout)
elif req["op"] == "results":
    value = json.dumps({"status": "SUCCESS", "result": "x" * 400, "traceback": None, "children": [], "date_done": "2026-11-29T00:00:00"})
    errors = 0
    for start in range(0, req["count"], 200):
        pipe = r.pipeline(transaction=False)
        for _ in range(start, min(start + 200, req["count"])):
            pipe.set(f"celery-task-meta-{uuid.uuid4()}", value, ex=3600)
        try:
            pipe.execute()
        except redis.exceptions.ResponseError:
            errors += 1
    left = sum(1 for _ in r.scan_iter("celery-task-meta-*", count=1000))
    json.dump({"written": req["count"], "batch_errors": errors, "left": left, **figures()}, sys.stdout)
