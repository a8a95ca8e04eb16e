"""Host-side Celery client for the end-to-end tests (Debian's python3-celery).

stdin: {"broker": url, "calls": [{"name", "args", "kwargs"}], "timeout": s}   → sends every call, then
stdout: [{"id", "state", "result"}]  in call order (result = the exception text on failure).
stdin: {..., "wait": false}  → sends every call, then stdout: the task ids (for tasks that keep no result).
stdin: {"broker": url, "inspect": node}  → the node's `inspect stats` (pool processes, ...).
"""
import json
import sys
import time

from celery import Celery

req = json.load(sys.stdin)
app = Celery("client", broker=req["broker"], backend=req["broker"])
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])

if "inspect" in req:
    node = req["inspect"]
    stats = app.control.inspect([node], timeout=10).stats() or {}
    json.dump(stats.get(node), sys.stdout)
    sys.exit(0)

pending = [app.send_task(c["name"], args=c.get("args", []), kwargs=c.get("kwargs", {})) for c in req["calls"]]
if not req.get("wait", True):
    json.dump([r.id for r in pending], sys.stdout)
    sys.exit(0)
deadline = time.monotonic() + req.get("timeout", 60)
out = []
for r in pending:
    try:
        value = r.get(timeout=max(1, deadline - time.monotonic()), propagate=False)
        out.append({"id": r.id, "state": r.state, "result": value if r.state == "SUCCESS" else repr(value)})
    except Exception as exc:  # a timeout: the task never finished
        out.append({"id": r.id, "state": "TIMEOUT", "result": repr(exc)})
json.dump(out, sys.stdout)
