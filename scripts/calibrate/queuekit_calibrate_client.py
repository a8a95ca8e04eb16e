"""queuekit calibrate client: run with `docker exec <worker> python3 /etc/queuekit/queuekit_calibrate_client.py '<json>'`.

It talks to the throw-away broker with the rendered queuekit_celeryconfig (same serializer as a deployed
pool) and never imports the user's app. Progress goes to stderr, one JSON answer to stdout.

  {"op": "run", "queue", "timeout", "calls": [{"index", "task", "args", "kwargs", "repeat"}]}
      send each call `repeat` times, one at a time, and collect the probe's record of each run
  {"op": "memory", "ppid", "exclude": [pid, ...]}
      RSS of the worker main process; RSS and USS of a fresh child that has run nothing
  {"op": "messages", "count", "calls": [{"index", "task", "args", "kwargs"}]}
      Redis used_memory per queued message of each call, on a queue no worker consumes
"""
import json
import os
import sys
import time

from celery import Celery

RUN_KEY = "queuekit:calibrate:run:{}"
MESSAGE_QUEUE = "queuekit.calibrate.messages"

app = Celery("queuekit-calibrate")
app.config_from_object("queuekit_celeryconfig")


def progress(text):
    print(f"[calibrate] {text}", file=sys.stderr, flush=True)


def broker():
    import redis

    return redis.Redis.from_url(app.conf.broker_url)


def run(req):
    client = broker()
    runs = []
    for call in req["calls"]:
        label = call["task"]
        for n in range(1, call["repeat"] + 1):
            result = app.send_task(call["task"], args=call["args"], kwargs=call["kwargs"], queue=req["queue"])
            got = client.blpop(RUN_KEY.format(result.id), timeout=req["timeout"])
            if got is None:
                return {"error": {"kind": "timeout", "index": call["index"], "run": n}}
            record = json.loads(got[1])
            if record["error"] is not None or record["state"] != "SUCCESS":
                return {"error": {"kind": "raised", "index": call["index"], "run": n, **(record["error"] or {})}}
            runs.append({"index": call["index"], **record})
            # About ten lines per call, however many runs: the first, the last and every tenth.
            if n == 1 or n == call["repeat"] or n % max(1, call["repeat"] // 10) == 0:
                rise = (record["peakAfter"] - record["rssBefore"]) / 2**20
                progress(f"{label} {n}/{call['repeat']}: +{rise:.1f} MiB, {record['seconds']:.2f} s")
    return {"runs": runs}


def kib(pid, keys):
    out = dict.fromkeys(keys, 0)
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in out:
                out[k] = int(v.split()[0])
    return out


def children(ppid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == ppid:
                    pids.append(int(entry))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return pids


def snapshot(ppid, child):
    main = kib(ppid, ["Rss"])
    c = kib(child, ["Rss", "Private_Clean", "Private_Dirty"])
    return {
        "parentRss": main["Rss"] * 1024,
        "childRss": c["Rss"] * 1024,
        "childUss": (c["Private_Clean"] + c["Private_Dirty"]) * 1024,
        "childPid": child,
    }


def memory(req):
    ppid, exclude = req["ppid"], set(req["exclude"])
    deadline = time.monotonic() + 15
    fresh = []
    while not fresh and time.monotonic() < deadline:
        fresh = [p for p in children(ppid) if p not in exclude]
        time.sleep(0.2)
    if not fresh:
        return {"error": {"kind": "no-child", "ppid": ppid}}
    # A fresh child finishes its start-up after the fork: read until two readings 0.5 s apart agree.
    time.sleep(1.0)
    last = snapshot(ppid, fresh[0])
    for _ in range(20):
        time.sleep(0.5)
        now = snapshot(ppid, fresh[0])
        if abs(now["childRss"] - last["childRss"]) < 64 * 1024 and abs(now["parentRss"] - last["parentRss"]) < 64 * 1024:
            return now
        last = now
    return last


def messages(req):
    client = broker()
    count = req["count"]
    out = []
    for call in req["calls"]:
        send = lambda: app.send_task(call["task"], args=call["args"], kwargs=call["kwargs"], queue=MESSAGE_QUEUE)  # noqa: E731
        client.delete(MESSAGE_QUEUE)
        send()  # the list and kombu's binding exist before the first reading: only messages are counted
        before = client.info("memory")["used_memory"]
        for _ in range(count):
            send()
        after = client.info("memory")["used_memory"]
        length = len(client.lindex(MESSAGE_QUEUE, 0))
        queued = client.llen(MESSAGE_QUEUE) - 1
        client.delete(MESSAGE_QUEUE)
        out.append({"index": call["index"], "bytes": (after - before) / queued, "rawBytes": length})
        progress(f"{call['task']}: {(after - before) / queued:.0f} B per queued message ({length} B of payload)")
    return {"messages": out}


if __name__ == "__main__":
    request = json.loads(sys.argv[1])
    answer = {"run": run, "memory": memory, "messages": messages}[request["op"]](request)
    json.dump(answer, sys.stdout)
