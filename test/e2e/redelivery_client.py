"""Host-side helper for the redelivery end-to-end test (Debian's python3-celery + python3-redis).

stdin {"op": ..., ...}; stdout: JSON.
  op "send":    {"broker", "calls": [{"name", "args", "kwargs"}]} → send every call, wait for nothing;
                → {"ids": [...], "sent_at": epoch seconds}.
  op "unacked": {"broker"} → what kombu's Redis transport holds as delivered but not acknowledged
                (hash "unacked", index "unacked_index"): [{"id", "task", "token", "delivered_at"}], and the
                length of queue "celery".
  op "wait":    {"url", "tokens", "since", "timeout", "settle"} → poll the demo app's ledger (hash
                "queuekit:ledger", one HINCRBY per run) until every token ran once, then `settle` seconds more
                to catch doubles; → {"counts": {token: runs}, "first_seen": {token: seconds after since}}.
"""
import base64
import json
import sys
import time

import redis
from celery import Celery

req = json.load(sys.stdin)
op = req["op"]


def token_of(message):
    """The `token` kwarg of a Celery protocol-2 JSON message as kombu's Redis transport stores it."""
    body = message["body"]
    if message.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    _args, kwargs, _embed = json.loads(body)
    return kwargs.get("token")


if op == "send":
    app = Celery("client", broker=req["broker"])
    app.conf.update(task_serializer="json", accept_content=["json"], task_ignore_result=True)
    sent_at = time.time()
    ids = [app.send_task(c["name"], args=c.get("args", []), kwargs=c.get("kwargs", {})).id for c in req["calls"]]
    json.dump({"ids": ids, "sent_at": sent_at}, sys.stdout)
elif op == "unacked":
    r = redis.Redis.from_url(req["broker"])
    scores = dict(r.zrange("unacked_index", 0, -1, withscores=True))
    out = []
    for tag, raw in r.hgetall("unacked").items():
        message, _exchange, _routing_key = json.loads(raw)
        out.append(
            {
                "id": message["headers"]["id"],
                "task": message["headers"]["task"],
                "token": token_of(message),
                "delivered_at": scores.get(tag),
            }
        )
    json.dump({"unacked": out, "queued": r.llen("celery")}, sys.stdout)
elif op == "wait":
    r = redis.Redis.from_url(req["url"])
    tokens = req["tokens"]
    first_seen = {}
    deadline = time.monotonic() + req.get("timeout", 120)
    settle_until = None
    while time.monotonic() < deadline:
        counts = r.hmget("queuekit:ledger", tokens)
        now = time.time()
        for t, c in zip(tokens, counts):
            if c is not None and int(c) > 0 and t not in first_seen:
                first_seen[t] = round(now - req["since"], 1)
        if len(first_seen) == len(tokens):
            settle_until = settle_until or time.monotonic() + req.get("settle", 3)
            if time.monotonic() >= settle_until:
                break
        time.sleep(0.25)
    counts = {t: int(c or 0) for t, c in zip(tokens, r.hmget("queuekit:ledger", tokens))}
    json.dump({"counts": counts, "first_seen": first_seen}, sys.stdout)
else:
    sys.exit(f"unknown op {op!r}")
