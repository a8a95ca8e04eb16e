"""One run of npm run bench:prefetch: warm the worker up, pause it, fill the queue, resume it, time the drain."""
import argparse
import subprocess
import time

import redis
from celery import Celery

p = argparse.ArgumentParser()
for flag in ("--port", "--tasks", "--prefetch"):
    p.add_argument(flag, type=int, required=True)
p.add_argument("--ledger", required=True)
p.add_argument("--worker", required=True)
a = p.parse_args()

app = Celery("bench", broker=f"redis://127.0.0.1:{a.port}/0")
counts = redis.Redis(port=a.port, db=1)
counts.delete("queuekit:ledger")
app.send_task("demo.light", kwargs={"token": "warm-up", "ledger": a.ledger, "mib": 0})
deadline = time.monotonic() + 60
while not counts.hexists("queuekit:ledger", "warm-up"):
    if time.monotonic() > deadline:
        raise SystemExit(f"worker {a.worker} did not run a task within 60 s")
    time.sleep(0.1)
counts.delete("queuekit:ledger")

subprocess.run(["docker", "pause", a.worker], check=True, stdout=subprocess.DEVNULL)
for i in range(a.tasks):
    app.send_task("demo.light", kwargs={"token": str(i), "ledger": a.ledger, "mib": 1})
t0 = time.monotonic()
subprocess.run(["docker", "unpause", a.worker], check=True, stdout=subprocess.DEVNULL)
limit = t0 + 300
while counts.hlen("queuekit:ledger") < a.tasks and time.monotonic() < limit:
    time.sleep(0.01)
done = counts.hlen("queuekit:ledger")
dt = time.monotonic() - t0
note = "" if done == a.tasks else f"  (stopped at 300 s: {done} of {a.tasks} done)"
print(f"{a.prefetch:<9} {dt:10.1f} {done / dt:10.0f}{note}", flush=True)
