#!/usr/bin/python3
"""Load driver of `npm run bench:burst` (scripts/bench-burst.sh runs it with the host's Debian python3).

Subcommands (the shell script owns the Pulumi stack and the clean-up; this file owns the measuring):
  ledger   start the ledger Redis (outside every VPS cgroup) on the bench network
  untuned  create the untuned stack in its own parent cgroup, measure the ceiling and run the bursts
  kit      run the bursts against a deployed kit stack (found by its labels)
  report   print the table, write out/bench-burst-<memory>.json and .svg

Every container this file starts carries the label queuekit.bench=<run id>; the shell removes them.
Results accumulate in <work>/results.json between subcommands.
"""
import argparse
import datetime
import importlib.util
import json
import math
import os
import subprocess
import sys
import threading
import time

import redis
from celery import Celery
from kombu import transport as kombu_transports

PLAIN_REDIS_TRANSPORT = "kombu.transport.redis:Transport"

CG_ROOT = "/sys/fs/cgroup/memory"
MiB = 1024 * 1024
LEDGER_KEY = "queuekit:ledger"
# What the demo app and kombu leave in Redis besides the queues: removed before each burst so bursts are independent.
LEFTOVER_PATTERNS = ("queuekit:deliveries:*", "celery-task-meta-*")
SAMPLE_S = 0.5
BURSTS = ("clustered", "stream", "backlog")


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip() or r.stdout.strip()}")
    return r.stdout.strip()


def load_results(work):
    path = os.path.join(work, "results.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"stacks": {}}


def save_results(work, results):
    path = os.path.join(work, "results.json")
    with open(path + ".tmp", "w") as f:
        json.dump(results, f)
    os.replace(path + ".tmp", path)


# --- the emulated VPS: a cgroup v1 memory cgroup and its descendants ---------------------------------------


class Cgroup:
    def __init__(self, name):
        self.name = name
        self.path = os.path.join(CG_ROOT, name)

    def read(self, file):
        with open(os.path.join(self.path, file)) as f:
            return int(f.read().split()[0])

    def write(self, file, value):
        with open(os.path.join(self.path, file), "w") as f:
            f.write(f"{value}\n")

    def create(self, limit):
        os.makedirs(self.path, exist_ok=True)
        self.write("memory.limit_in_bytes", limit)
        if os.path.exists(os.path.join(self.path, "memory.memsw.limit_in_bytes")):
            self.write("memory.memsw.limit_in_bytes", limit)  # no swap, as on the kit's emulated host

    def usage(self):
        return self.read("memory.usage_in_bytes")

    def has(self, file):
        return os.path.exists(os.path.join(self.path, file))

    def reset_peak(self):
        """Peak and failcnt count from here (cgroup v1 takes a write of 0 for both)."""
        self.write("memory.max_usage_in_bytes", 0)
        self.write("memory.failcnt", 0)
        if self.has("memory.memsw.failcnt"):
            self.write("memory.memsw.failcnt", 0)

    def failcnt(self):
        """Charges refused at the limit. With memsw == memory (no swap) the kernel tries memory+swap first, so a
        charge at the limit fails there and shows in memory.memsw.failcnt, not memory.failcnt: count both."""
        n = self.read("memory.failcnt")
        return n + self.read("memory.memsw.failcnt") if self.has("memory.memsw.failcnt") else n

    def oom_kills(self):
        """{cgroup path: oom_kill} over this cgroup and every descendant (v1 counts a kill in the victim's own cgroup)."""
        out = {}
        for d, _, files in os.walk(self.path):
            if "memory.oom_control" in files:
                try:
                    with open(os.path.join(d, "memory.oom_control")) as f:
                        for line in f:
                            k, _, v = line.partition(" ")
                            if k == "oom_kill":
                                out[d] = int(v)
                except OSError:
                    pass  # a container's cgroup that just went away
        return out


class OomTracker:
    """OOM kills since start(). A container that restarts gets a fresh cgroup whose counter starts at 0 again,
    so increases are summed per sample instead of subtracting two totals."""

    def __init__(self, cgroup):
        self.cgroup = cgroup
        self.last = {}
        self.total = 0

    def start(self):
        self.last = self.cgroup.oom_kills()
        self.total = 0

    def sample(self):
        now = self.cgroup.oom_kills()
        for path, n in now.items():
            before = self.last.get(path, 0)
            self.total += n - before if n >= before else n
        self.last = now
        return self.total


# --- a stack under test -----------------------------------------------------------------------------------


class Stack:
    """What the bursts need from a stack: how to send, what to watch, which workers to stop and start."""

    def __init__(self, kind, cgroup, broker_url, celeryconfig, queues, workers, maxmemory=None, capacity=None):
        self.kind = kind
        self.cgroup = cgroup
        self.broker = redis.Redis.from_url(broker_url, socket_timeout=30)
        self.queues = list(queues)
        self.workers = list(workers)
        self.maxmemory = maxmemory
        self.capacity = capacity
        self.app = producer_app(celeryconfig, broker_url)

    def depth(self):
        pipe = self.broker.pipeline(transaction=False)
        for q in self.queues:
            pipe.llen(q)
        pipe.hlen("unacked")
        *lens, unacked = pipe.execute()
        return sum(lens), unacked

    def clear_leftovers(self):
        for pattern in LEFTOVER_PATTERNS:
            batch = []
            for key in self.broker.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 1000:
                    self.broker.delete(*batch)
                    batch = []
            if batch:
                self.broker.delete(*batch)


def producer_app(celeryconfig, broker_url):
    """A Celery app configured like the stack's workers (routes, serializer, publish retry), sending from this host."""
    # kombu's plain Redis transport unless this config guards publishing (the kit's does, via queuekit_celery).
    kombu_transports.TRANSPORT_ALIASES.update(redis=PLAIN_REDIS_TRANSPORT, rediss=PLAIN_REDIS_TRANSPORT)
    sys.path.insert(0, os.path.dirname(os.path.abspath(celeryconfig)))  # queuekit_celery ships next to it
    spec = importlib.util.spec_from_file_location(f"bench_celeryconfig_{id(celeryconfig)}", celeryconfig)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = Celery("demo")
    app.config_from_object(module)
    # The rendered config names Redis by its address on the stack's network; this host reaches it on loopback.
    app.conf.broker_url = broker_url
    app.conf.result_backend = broker_url
    return app


# --- sampling ---------------------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Every ~0.5 s: queue depth, unacked, VPS memory, tasks counted in the ledger, OOM kills."""

    def __init__(self, stack, ledger, t0):
        super().__init__(daemon=True)
        self.stack, self.ledger, self.t0 = stack, ledger, t0
        self.samples = []  # [t, depth, unacked, vps bytes, counted]
        self.oom = OomTracker(stack.cgroup)
        self.oom.start()
        self.restarts = restarts(stack.workers)
        self.counted = 0
        self.last_progress = None  # time of the last sample where the ledger grew
        self.first_progress = None
        self.depth = None
        self.unacked = None
        self.stop = threading.Event()

    def tick(self):
        t = time.monotonic()
        try:
            depth, unacked = self.stack.depth()
        except redis.RedisError:
            depth, unacked = None, None  # the broker is down (OOM-killed, restarting)
        try:
            usage = self.stack.cgroup.usage()
        except OSError:
            usage = None
        counted = self.ledger.hlen(LEDGER_KEY)
        self.oom.sample()
        if counted > self.counted:
            self.last_progress = t
            if self.first_progress is None:
                self.first_progress = t
        self.counted, self.depth, self.unacked = counted, depth, unacked
        self.samples.append([round(t - self.t0, 2), depth, unacked, usage, counted])

    def run(self):
        while not self.stop.is_set():
            self.tick()
            self.stop.wait(SAMPLE_S)

    def finish(self):
        self.stop.set()
        self.join()
        self.tick()


# --- bursts -----------------------------------------------------------------------------------------------


def spread(n_light, n_heavy):
    """Positions of n_heavy heavy tasks spread evenly among n_light + n_heavy."""
    n = n_light + n_heavy
    return {int((k + 0.5) * n / n_heavy) for k in range(n_heavy)} if n_heavy else set()


def burst_calls(name, scale, ledger_url):
    """[(task, kwargs)] of a burst, and how many seconds to spread the enqueue over (None: as fast as possible)."""
    if name == "clustered":
        n_light, n_heavy, heavy_mib, pace = max(1, round(2000 * scale)), max(1, round(64 * scale)), 150, 2.0
    elif name == "stream":
        n_light, n_heavy, heavy_mib, pace = max(1, round(20000 * scale)), max(1, round(10 * scale)), 150, None
    else:
        raise ValueError(name)
    heavy_at = spread(n_light, n_heavy)
    calls = []
    for i in range(n_light + n_heavy):
        token = f"{name}-{i}"
        if i in heavy_at:
            calls.append(("demo.heavy", {"token": token, "ledger": ledger_url, "mib": heavy_mib, "hold_seconds": 1.0}))
        else:
            calls.append(("demo.light", {"token": token, "ledger": ledger_url, "mib": 1}))
    return calls, pace


def prepare(stack, ledger, timeout=600):
    """Queues empty, no leftovers from the last burst, a fresh ledger, peak and failcnt reset."""
    t_end = time.monotonic() + timeout
    while True:
        try:
            depth, unacked = stack.depth()
            if depth == 0 and unacked == 0:
                break
        except redis.RedisError:
            pass
        if time.monotonic() > t_end:
            raise RuntimeError(f"{stack.kind}: queues not empty after {timeout}s")
        time.sleep(1)
    stack.clear_leftovers()
    ledger.delete(LEDGER_KEY)
    stack.cgroup.reset_peak()


def send(stack, task, kwargs, retry=True):
    """True when Redis took the message, False when the publish raised (refused, or the broker is gone)."""
    try:
        # As task.delay() would: send_task alone subscribes to every task's result unless told the config ignores them.
        stack.app.send_task(task, kwargs=kwargs, retry=retry, ignore_result=stack.app.conf.task_ignore_result)
        return True
    except Exception:  # noqa: BLE001 — OOM refusals, connection errors: all count as refused at enqueue
        return False


def drain(stack, sampler, accepted, t0, args, label, started=None):
    """Wait until every accepted task is counted, or queues and unacked are empty with no progress for --settle s,
    or nothing was counted for --stall s with tasks still queued (a stuck stack), or --drain-timeout."""
    t_end = t0 + args.drain_timeout
    next_log = time.monotonic() + 10
    while True:
        now = time.monotonic()
        if sampler.counted >= accepted:
            return "all counted"
        idle_since = max(sampler.last_progress or t0, started or t0)
        if sampler.depth == 0 and sampler.unacked == 0 and now - idle_since > args.settle:
            return f"settled ({args.settle:g}s without progress)"
        if now - idle_since > args.stall:
            return f"stalled (nothing counted for {args.stall:g}s)"
        if now > t_end:
            return f"timeout ({args.drain_timeout:g}s)"
        if now >= next_log:
            log(f"{label}: counted {sampler.counted:,}/{accepted:,}, queue {sampler.depth}, unacked {sampler.unacked}, "
                f"VPS {mib(sampler.samples[-1][3])} MiB, OOM kills {sampler.oom.total}")
            next_log = now + 10
        time.sleep(0.25)


def mib(b):
    return None if b is None else round(b / MiB, 1)


def enqueue(stack, calls, pace, sampler, label, t0):
    accepted, refused = [], 0
    n = len(calls)
    next_log = time.monotonic() + 5
    for i, (task, kwargs) in enumerate(calls):
        if pace:
            ahead = t0 + i * pace / n - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        if send(stack, task, kwargs):
            accepted.append(kwargs["token"])
        else:
            refused += 1
        if time.monotonic() >= next_log:
            log(f"{label}: enqueued {i + 1:,}/{n:,}, queue {sampler.depth}, counted {sampler.counted:,}")
            next_log = time.monotonic() + 5
    return accepted, refused


def settle_counts(ledger, accepted):
    counts = ledger.hgetall(LEDGER_KEY)
    counts = {k.decode(): int(v) for k, v in counts.items()}
    completed = sum(1 for t in accepted if counts.get(t, 0) >= 1)
    twice = sum(1 for t in accepted if counts.get(t, 0) >= 2)
    return completed, twice


def restarts(workers):
    """{container: Docker's RestartCount} (a worker that died and was started again by its restart policy)."""
    out = run("docker", "inspect", "-f", "{{.Name}} {{.RestartCount}}", *workers, check=False)
    return {name.lstrip("/"): int(n) for name, n in (line.split() for line in out.splitlines() if line.strip())}


def summarize(stack, sampler, t0, accepted, refused, completed, twice, outcome, extra=None):
    limit = stack.cgroup.read("memory.limit_in_bytes")
    peak = stack.cgroup.read("memory.max_usage_in_bytes")
    drain_s = round(sampler.last_progress - t0, 1) if sampler.last_progress and completed else None
    # Still queued or reserved when the drain stopped (a timeout): not counted as lost.
    pending = (sampler.depth or 0) + (sampler.unacked or 0) if not outcome.startswith("all") else 0
    out = {
        "accepted": len(accepted),
        "refused": refused,
        "completed": completed,
        "lost": max(0, len(accepted) - completed - pending),
        "pendingAtEnd": pending,
        "executedTwice": twice,
        "oomKills": sampler.oom.total,
        "workerRestarts": sum(restarts(stack.workers).values()) - sum(sampler.restarts.values()),
        "failcnt": stack.cgroup.failcnt(),
        # failcnt reads 0 on some kernels even at the limit (6.18 here): also the sampled time at ≥ 99% of the limit.
        "atLimitSeconds": round(SAMPLE_S * sum(1 for x in sampler.samples if x[3] and x[3] >= 0.99 * limit), 1),
        "peakBytes": peak,
        "peakPercent": round(100 * peak / limit, 1),
        "limitBytes": limit,
        "drainSeconds": drain_s,
        "tasksPerSecond": round(completed / drain_s, 1) if drain_s else None,
        "outcome": outcome,
        "samples": sampler.samples,
    }
    out.update(extra or {})
    return out


def receive_gaps(workers, since, until, threshold=0.5):
    """Pauses of more than `threshold` s between two consecutive `Task … received` lines of a worker's main process
    while a burst drains: with the queue non-empty, time in which the worker fetched nothing (poll gaps, or every
    process busy with a heavy task)."""
    gaps = []
    for w in workers:
        r = subprocess.run(["docker", "logs", "--since", f"{since:.3f}", "--until", f"{until:.3f}", w],
                           capture_output=True, text=True)
        times = []
        for line in (r.stdout + r.stderr).splitlines():
            if "/MainProcess] Task " in line and line.rstrip().endswith("received"):
                try:
                    times.append(datetime.datetime.strptime(line[1:24], "%Y-%m-%d %H:%M:%S,%f").timestamp())
                except ValueError:
                    pass
        gaps += [b - a for a, b in zip(times, times[1:]) if b - a > threshold]
    return {"count": len(gaps), "seconds": round(sum(gaps), 1), "max": round(max(gaps, default=0), 2)}


def run_burst(stack, ledger, ledger_url, name, args):
    label = f"{stack.kind} {name}"
    prepare(stack, ledger)
    calls, pace = burst_calls(name, args.scale, ledger_url)
    n_heavy = sum(1 for c in calls if c[0] == "demo.heavy")
    log(f"{label}: {len(calls) - n_heavy:,} light + {n_heavy} heavy tasks"
        f"{f' over {pace:g}s' if pace else ', as fast as the producer goes'}")
    t0, wall0 = time.monotonic(), time.time()
    sampler = Sampler(stack, ledger, t0)
    sampler.start()
    accepted, refused = enqueue(stack, calls, pace, sampler, label, t0)
    t_enqueued = time.monotonic() - t0
    log(f"{label}: enqueued {len(accepted):,} (refused {refused}) in {t_enqueued:.1f}s; draining")
    outcome = drain(stack, sampler, len(accepted), t0, args, label)
    sampler.finish()
    completed, twice = settle_counts(ledger, accepted)
    light = sum(1 for c in calls if c[0] == "demo.light" and c[1]["token"] in set(accepted))
    r = summarize(stack, sampler, t0, accepted, refused, completed, twice, outcome,
                  {"light": len(calls) - n_heavy, "heavy": n_heavy, "enqueueSeconds": round(t_enqueued, 1),
                   "receiveGaps": receive_gaps(stack.workers, wall0, time.time())})
    r["lightPerSecond"] = round(light / r["drainSeconds"], 1) if r["drainSeconds"] else None
    log(f"{label}: {outcome}; {row_text(stack.kind, name, r)}")
    return r


def run_backlog(stack, ledger, ledger_url, args, attempts=None):
    """Light tasks with no worker consuming, until the cap; then start the workers and drain."""
    label = f"{stack.kind} backlog"
    prepare(stack, ledger)
    log(f"{label}: stopping {len(stack.workers)} worker container(s)")
    run("docker", "stop", *stack.workers)
    used0 = int(stack.broker.info("memory")["used_memory"])
    t0 = time.monotonic()
    sampler = Sampler(stack, ledger, t0)
    sampler.start()
    accepted, refused, i = [], 0, 0
    first_refusal = None

    def one(retry=True):
        nonlocal i, refused
        token = f"backlog-{i}"
        i += 1
        t = time.monotonic()
        ok = send(stack, "demo.light", {"token": token, "ledger": ledger_url, "mib": 1}, retry=retry)
        if ok:
            accepted.append(token)
        else:
            refused += 1
        return ok, time.monotonic() - t

    # Bytes per message from the first 1,000, then the cap: 1.2 × what Redis should hold (× scale).
    probe = 1000
    for _ in range(probe):
        one()
    per_msg = (int(stack.broker.info("memory")["used_memory"]) - used0) / max(1, len(accepted))
    if attempts is None:
        if stack.capacity:
            estimate = stack.capacity
        elif stack.maxmemory:
            estimate = (stack.maxmemory - used0) / per_msg
        else:
            estimate = 120_000
        attempts = max(probe, math.ceil(1.2 * estimate * args.scale))
    log(f"{label}: {per_msg:.0f} B per queued message; {attempts:,} attempts "
        f"(planned capacity {stack.capacity or 'not in the plan'}, maxmemory {mib(stack.maxmemory)} MiB)")
    next_log = time.monotonic() + 5
    retry = True
    while i < attempts:
        ok, took = one(retry)
        if not ok and first_refusal is None:
            # The first refusal went through the app's publish retry policy; count the rest with one try each.
            first_refusal = {"atMessage": i, "publishSeconds": round(took, 2)}
            log(f"{label}: Redis refused message {i:,} (publish with the retry policy took {took:.2f}s)")
            retry = False
        if time.monotonic() >= next_log:
            log(f"{label}: {i:,}/{attempts:,} sent, accepted {len(accepted):,}, refused {refused:,}, "
                f"Redis used {mib(int(stack.broker.info('memory')['used_memory']))} MiB")
            next_log = time.monotonic() + 5
    t_enqueued = time.monotonic() - t0
    used1 = int(stack.broker.info("memory")["used_memory"])
    log(f"{label}: accepted {len(accepted):,}, refused {refused:,} in {t_enqueued:.1f}s; starting the workers")
    t_start, wall_start = time.monotonic(), time.time()
    run("docker", "start", *stack.workers)
    outcome = drain(stack, sampler, len(accepted), t0, args, label, started=t_start)
    sampler.finish()
    completed, twice = settle_counts(ledger, accepted)
    r = summarize(stack, sampler, t0, accepted, refused, completed, twice, outcome, {
        "light": attempts, "heavy": 0, "enqueueSeconds": round(t_enqueued, 1),
        "workersStartedAt": round(t_start - t0, 1), "bytesPerMessage": round(per_msg),
        "redisUsedBytes": used1, "maxmemoryBytes": stack.maxmemory, "plannedCapacity": stack.capacity,
        "firstRefusal": first_refusal, "receiveGaps": receive_gaps(stack.workers, wall_start, time.time()),
    })
    after = (sampler.last_progress or t_start) - (sampler.first_progress or t_start)
    r["lightPerSecond"] = round(completed / after, 1) if after > 0 else None
    log(f"{label}: {outcome}; {row_text(stack.kind, 'backlog', r)}")
    return r


def warm_up(stack, ledger, ledger_url, timeout=180):
    """One task through every path: the producer, the broker, a worker, the ledger."""
    ledger.delete(LEDGER_KEY)
    t_end = time.monotonic() + timeout
    stack.app.send_task("demo.light", kwargs={"token": "warm-up", "ledger": ledger_url, "mib": 0})
    while not ledger.hget(LEDGER_KEY, "warm-up"):
        if time.monotonic() > t_end:
            raise RuntimeError(f"{stack.kind}: the warm-up task was not run within {timeout}s "
                               f"(worker logs: docker logs {stack.workers[0]})")
        time.sleep(0.5)


def run_bursts(stack, ledger, ledger_url, args, results):
    warm_up(stack, ledger, ledger_url)
    mine = results["stacks"].setdefault(stack.kind, {})
    mine.setdefault("bursts", {})
    for name in args.bursts:
        if name == "backlog":
            kit = results["stacks"].get("kit", {}).get("bursts", {}).get("backlog")
            attempts = kit["accepted"] + kit["refused"] if kit and stack.kind != "kit" else None
            mine["bursts"][name] = run_backlog(stack, ledger, ledger_url, args, attempts)
        else:
            mine["bursts"][name] = run_burst(stack, ledger, ledger_url, name, args)
        save_results(args.work, results)


def row_text(kind, burst, r):
    return (f"accepted {r['accepted']:,}, refused {r['refused']:,}, completed {r['completed']:,}, lost {r['lost']:,}, "
            f"twice {r['executedTwice']}, OOM {r['oomKills']}, failcnt {r['failcnt']:,}, "
            f"at limit {r.get('atLimitSeconds')}s, "
            f"peak {mib(r['peakBytes'])} MiB ({r['peakPercent']}%), drain {r['drainSeconds']}s, "
            f"{r['tasksPerSecond']} tasks/s")


# --- the untuned stack and the ceiling --------------------------------------------------------------------


def docker_run(args, name, *argv, cgroup=None, alias=None, port=None, mounts=(), restart=True):
    cmd = ["docker", "run", "-d", "--name", name, "--label", f"queuekit.bench={args.run_id}",
           "--network", args.network, "--log-opt", "max-size=10m"]
    if restart:
        cmd += ["--restart", "unless-stopped"]
    if cgroup:
        cmd += ["--cgroup-parent", f"/{cgroup.name}"]
    if alias:
        cmd += ["--network-alias", alias]
    if port:
        cmd += ["-p", f"127.0.0.1:{port}:6379"]
    for src, dst in mounts:
        cmd += ["-v", f"{src}:{dst}:ro"]
    run(*cmd, *argv)
    return name


def wait_redis(url, timeout=60):
    client = redis.Redis.from_url(url)
    t_end = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return client
        except redis.RedisError:
            if time.monotonic() > t_end:
                raise
            time.sleep(0.3)


def plain_config_dir(args, broker):
    """What a user without the kit runs: broker_url and result_backend, Celery's defaults for the rest."""
    d = os.path.join(args.work, "untuned-config")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "queuekit_celeryconfig.py"), "w") as f:
        f.write(f"broker_url = {broker!r}\nresult_backend = {broker!r}\n")
    # demo.py names queuekit_celery's task class; the untuned stack gets the same file, as a user copying the app would.
    with open(os.path.join(args.repo, "templates/celery/queuekit_celery.py")) as src:
        with open(os.path.join(d, "queuekit_celery.py"), "w") as dst:
            dst.write(src.read())
    os.chmod(d, 0o755)
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o644)
    return d


def measure_ceiling(args, stack, ledger, ledger_url, cgroup, config_dir):
    """One no-op worker (Celery defaults, concurrency 2) draining a pre-filled queue of light(mib=0) tasks."""
    n = max(100, round(10000 * args.scale))
    prepare(stack, ledger)
    log(f"ceiling: pre-filling {n:,} no-op tasks")
    tokens = []
    for i in range(n):
        token = f"ceiling-{i}"
        if send(stack, "demo.light", {"token": token, "ledger": ledger_url, "mib": 0}):
            tokens.append(token)
    name = f"qkb-{args.run_id}-ceiling"
    docker_run(args, name, "queuekit/celery-demo:local", "python3", "-m", "celery", "-A", "demo", "worker",
               "--loglevel", "WARNING", "--concurrency", "2", "-n", "ceiling@%h",
               cgroup=cgroup, mounts=[(config_dir, "/etc/queuekit")], restart=False)
    t0 = time.monotonic()
    sampler = Sampler(stack, ledger, t0)
    sampler.start()
    outcome = drain(stack, sampler, len(tokens), t0, args, "ceiling")
    sampler.finish()
    run("docker", "rm", "-f", name)
    completed, _ = settle_counts(ledger, tokens)
    # From the first task counted to the last: the worker's start-up is not part of its throughput.
    span = (sampler.last_progress or t0) - (sampler.first_progress or t0)
    rate = round(completed / span, 1) if span > 0 else None
    log(f"ceiling: {completed:,}/{len(tokens):,} no-op tasks in {span:.1f}s = {rate} tasks/s ({outcome})")
    return {"tasks": len(tokens), "completed": completed, "seconds": round(span, 1), "tasksPerSecond": rate}


def cmd_ledger(args):
    name = f"qkb-{args.run_id}-ledger"
    run("docker", "network", "create", "--label", f"queuekit.bench={args.run_id}", args.network)
    docker_run(args, name, "queuekit/redis:7-local", "redis-server", "--protected-mode", "no", "--save", "",
               "--appendonly", "no", alias="ledger", port=args.ledger_port, restart=False)
    wait_redis(f"redis://127.0.0.1:{args.ledger_port}/0")
    log(f"ledger Redis {name} on 127.0.0.1:{args.ledger_port} (outside every VPS cgroup)")


def cmd_untuned(args):
    results = load_results(args.work)
    ledger = redis.Redis.from_url(f"redis://127.0.0.1:{args.ledger_port}/0")
    ledger_url = "redis://ledger:6379/0"
    cgroup = Cgroup(f"queuekit-bench-{args.run_id}-untuned")
    cgroup.create(args.memory_bytes)
    log(f"untuned: parent cgroup {cgroup.path}, {args.memory_bytes // MiB} MiB")
    # Redis as `redis-server` starts without a config file (what the official image does: defaults, no maxmemory).
    docker_run(args, f"qkb-{args.run_id}-redis", "queuekit/redis:7-local", "redis-server", "--protected-mode", "no",
               cgroup=cgroup, alias="redis", port=args.redis_port)
    host_url = f"redis://127.0.0.1:{args.redis_port}/0"
    wait_redis(host_url)
    config_dir = plain_config_dir(args, "redis://redis:6379/0")
    workers = [f"qkb-{args.run_id}-worker-{i}" for i in range(2)]
    stack = Stack("untuned", cgroup, host_url, os.path.join(config_dir, "queuekit_celeryconfig.py"), ["celery"],
                  workers)
    results["stacks"]["untuned"] = {
        "description": "redis-server defaults (no maxmemory), 2 worker containers × prefork 8, no limits, Celery defaults",
        "bursts": {},
    }
    if "ceiling" not in args.skip:
        results["ceiling"] = measure_ceiling(args, stack, ledger, ledger_url, cgroup, config_dir)
        save_results(args.work, results)
    for name in workers:
        docker_run(args, name, "queuekit/celery-demo:local", "python3", "-m", "celery", "-A", "demo", "worker",
                   "--loglevel", "INFO", "--concurrency", "8", "-n", f"{name}@%h",
                   cgroup=cgroup, mounts=[(config_dir, "/etc/queuekit")])
    log("untuned: Redis + 2 workers × prefork 8 started")
    run_bursts(stack, ledger, ledger_url, args, results)
    save_results(args.work, results)


# --- the kit's stack --------------------------------------------------------------------------------------


def worker_queues(container):
    """The queues a worker consumes: its `-Q` argument (Celery's default queue without one)."""
    argv = json.loads(run("docker", "inspect", "-f", "{{json .Config.Cmd}}", container))
    for flag in ("-Q", "--queues"):
        if flag in argv:
            return argv[argv.index(flag) + 1].split(",")
    return ["celery"]


def cmd_kit(args):
    results = load_results(args.work)
    ledger = redis.Redis.from_url(f"redis://127.0.0.1:{args.ledger_port}/0")
    ledger_url = "redis://ledger:6379/0"
    with open(args.plan) as f:
        plan = json.load(f)
    workers = run("docker", "ps", "-a", "--filter", f"label=queuekit.stack={args.stack}", "--filter",
                  "label=queuekit.role=worker", "--format", "{{.Names}}").split()
    if not workers:
        raise RuntimeError(f"no worker containers labelled queuekit.stack={args.stack}, queuekit.role=worker")
    # The ledger joins the kit's network under the alias `ledger`, so the kit's containers stay as deployed.
    run("docker", "network", "connect", "--alias", "ledger", f"qk-{args.stack}", f"qkb-{args.run_id}-ledger")
    config = os.path.join(args.work, "kit-celeryconfig.py")
    run("docker", "cp", f"{workers[0]}:/etc/queuekit/queuekit_celeryconfig.py", config)
    run("docker", "cp", f"{workers[0]}:/etc/queuekit/queuekit_celery.py", os.path.join(args.work, "queuekit_celery.py"))
    queues = sorted({q for w in workers for q in worker_queues(w)})
    redis_plan = plan["redis"]
    capacity = redis_plan.get("backlogCapacity") or (redis_plan.get("backlog") or {}).get("messages")
    cgroup = Cgroup(f"queuekit-{args.stack}")
    stack = Stack("kit", cgroup, args.broker_url, config, queues, workers, redis_plan["maxmemory"]["bytes"], capacity)
    pools = [
        {k: pool.get(k) for k in ("name", "pool", "concurrency", "replicas", "prefetchMultiplier", "memoryClass",
                                  "queues", "tasks", "why")} | {"limitMiB": pool["limit"]["mib"]}
        for pool in plan["workers"]
    ]
    log(f"kit: workers {', '.join(workers)}; queues {', '.join(queues)}; "
        + "; ".join(f"{p['name']}: {p['pool']} ×{p['concurrency']}, prefetch {p['prefetchMultiplier']}, "
                    f"{p['limitMiB']} MiB" for p in pools))
    results["stacks"]["kit"] = {
        "description": "queuekit " + " ".join(args.kit_set or []) if args.kit_set else "queuekit defaults",
        "kitSet": args.kit_set or [],
        "pools": pools,
        "routes": plan.get("routes", {}),
        "redis": {"limitMiB": redis_plan["limit"]["mib"], "maxmemoryBytes": redis_plan["maxmemory"]["bytes"],
                  "backlogCapacity": capacity},
        "bursts": {},
    }
    run_bursts(stack, ledger, ledger_url, args, results)
    save_results(args.work, results)


# --- report -----------------------------------------------------------------------------------------------

STACK_ORDER = ("untuned", "kit")
COLORS = {"untuned": "#c62828", "kit": "#1565c0"}


def fmt(v, spec=","):
    return "—" if v is None else format(v, spec)


def cmd_report(args):
    results = load_results(args.work)
    results.update({"memory": args.memory, "scale": args.scale, "date": time.strftime("%Y-%m-%d"),
                    "command": args.command})
    ceiling = results.get("ceiling") or {}
    ceil_rate = ceiling.get("tasksPerSecond")
    header = ["stack", "burst", "accepted", "refused", "completed", "lost", "twice", "OOM", "failcnt",
              "at limit s", "peak MiB", "peak %", "drain s", "tasks/s", "% ceiling", "drain ended"]
    rows = []
    for kind in STACK_ORDER:
        for burst in BURSTS:
            r = results["stacks"].get(kind, {}).get("bursts", {}).get(burst)
            if not r:
                continue
            share = (round(100 * r["lightPerSecond"] / ceil_rate) if ceil_rate and r.get("lightPerSecond")
                     and burst != "clustered" else None)
            r["percentOfCeiling"] = share
            rows.append([kind, burst, fmt(r["accepted"]), fmt(r["refused"]), fmt(r["completed"]), fmt(r["lost"]),
                         fmt(r["executedTwice"]), fmt(r["oomKills"]), fmt(r["failcnt"]),
                         fmt(r.get("atLimitSeconds"), ",.1f"),
                         fmt(mib(r["peakBytes"]), ",.0f"), fmt(r["peakPercent"], ".0f"), fmt(r["drainSeconds"], ".1f"),
                         fmt(r["tasksPerSecond"], ",.1f"), "—" if share is None else f"{share}%",
                         r["outcome"].split(" (")[0]])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = [f"queuekit burst benchmark — emulated {args.memory} VPS, scale {args.scale:g}"]
    lines.append("  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    lines.append("")
    if any(r[8] == "0" and r[11] != "—" and float(r[11]) >= 99 for r in rows):
        lines.append("failcnt 0 with the peak at the limit: this kernel does not count failcnt for cgroup v1; "
                     "`at limit s` is the sampled time at ≥ 99% of the limit")
    if ceiling:
        lines.append(f"ceiling: one no-op worker (Celery defaults, concurrency 2) drained {ceiling['completed']:,} "
                     f"pre-filled tasks at {fmt(ceil_rate, ',.1f')} tasks/s")
        lines.append("% ceiling: light tasks/s of the stream burst (first enqueue → last count) and of the backlog "
                     "drain (first count → last count) against it")
    for burst in BURSTS:
        k = results["stacks"].get("kit", {}).get("bursts", {}).get(burst)
        u = results["stacks"].get("untuned", {}).get("bursts", {}).get(burst)
        if k and u and k["drainSeconds"] and u["drainSeconds"]:
            lines.append(f"drain time kit/untuned, {burst}: {k['drainSeconds'] / u['drainSeconds']:.2f}×")
    kb = results["stacks"].get("kit", {}).get("bursts", {}).get("backlog")
    if kb:
        cap = kb.get("plannedCapacity")
        lines.append(f"backlog: kit Redis accepted {kb['accepted']:,} messages of {kb['bytesPerMessage']} B "
                     f"(maxmemory {fmt(mib(kb['maxmemoryBytes']))} MiB); planned capacity "
                     + (f"{cap:,}: measured/planned {kb['accepted'] / cap:.2f}" if cap else "not in the plan"))
        if kb.get("firstRefusal"):
            lines.append(f"backlog: first refusal at message {kb['firstRefusal']['atMessage']:,}; that publish, with the "
                         f"app's retry policy, took {kb['firstRefusal']['publishSeconds']} s")
    for kind in STACK_ORDER:
        s = results["stacks"].get(kind)
        if s:
            lines.append(f"{kind}: {s.get('description', '')}")
            for p in s.get("pools", []):
                lines.append(f"  pool {p['name']}: {p['pool']} concurrency {p['concurrency']} × {p['replicas']}, "
                             f"prefetch {p['prefetchMultiplier']}, limit {p['limitMiB']} MiB, queues "
                             f"{','.join(p.get('queues') or ['celery'])}{' — ' + p['why'] if p.get('why') else ''}")
            for burst, r in s.get("bursts", {}).items():
                g = r.get("receiveGaps")
                if g:
                    lines.append(f"  {burst}: enqueued in {r['enqueueSeconds']} s; {g['count']:,} pauses > 0.5 s between "
                                 f"two `received` of a worker, {g['seconds']:,} s in all, longest {g['max']} s")
                if r.get("workerRestarts"):
                    lines.append(f"  {burst}: worker containers restarted {r['workerRestarts']} times")
                if r.get("pendingAtEnd"):
                    lines.append(f"  {burst}: drain ended: {r['outcome']}, {r.get('pendingAtEnd', 0):,} still queued "
                                 f"or reserved (not counted as lost)")
    print("\n".join(lines))
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"bench-burst-{args.memory}")
    with open(base + ".json", "w") as f:
        json.dump(results, f, indent=1)
    with open(base + ".svg", "w") as f:
        f.write(svg(results, args))
    print(f"\nwrote {base}.json and {base}.svg")


def esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def nice_step(top, ticks=4):
    raw = max(top, 1) / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * mag >= raw:
            return m * mag
    return 10 * mag


def svg(results, args):
    """One panel per burst: queue depth (solid) and VPS memory (dashed) over time, both stacks."""
    bursts = [b for b in BURSTS if any(b in results["stacks"].get(k, {}).get("bursts", {}) for k in STACK_ORDER)]
    W, PH, L, R, T = 900, 220, 70, 70, 60
    H = T + len(bursts) * (PH + 60) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="#fff"/>',
           f'<text x="{L}" y="24" font-size="16" font-weight="bold">queuekit burst benchmark — emulated '
           f'{esc(args.memory)} VPS, scale {args.scale:g}</text>']
    lx = L
    for kind in STACK_ORDER:
        if kind in results["stacks"]:
            c = COLORS[kind]
            out.append(f'<line x1="{lx}" y1="42" x2="{lx + 24}" y2="42" stroke="{c}" stroke-width="2"/>'
                       f'<text x="{lx + 30}" y="46">{kind} queue depth</text>')
            out.append(f'<line x1="{lx + 150}" y1="42" x2="{lx + 174}" y2="42" stroke="{c}" stroke-width="2" '
                       f'stroke-dasharray="5,3"/><text x="{lx + 180}" y="46">{kind} VPS memory</text>')
            lx += 330
    pw = W - L - R
    for n, burst in enumerate(bursts):
        y0 = T + n * (PH + 60) + 20
        series = {k: results["stacks"][k]["bursts"][burst] for k in STACK_ORDER
                  if burst in results["stacks"].get(k, {}).get("bursts", {})}
        t_max = max(max((s[0] for s in r["samples"]), default=1) for r in series.values()) or 1
        d_max = max(max((s[1] or 0) for s in r["samples"]) if r["samples"] else 0 for r in series.values()) or 1
        m_max = max(r["limitBytes"] for r in series.values()) / MiB
        d_step, t_step = nice_step(d_max), nice_step(t_max, 8)
        d_top = d_step * math.ceil(d_max / d_step)
        m_step = 256 if m_max <= 2048 else 512
        m_top = m_step * math.ceil(m_max / m_step)
        x = lambda t: L + pw * t / t_max  # noqa: E731
        yd = lambda d: y0 + PH - PH * d / d_top  # noqa: E731
        ym = lambda m: y0 + PH - PH * m / m_top  # noqa: E731
        out.append(f'<text x="{L}" y="{y0 - 6}" font-weight="bold">{esc(burst)}</text>')
        out.append(f'<rect x="{L}" y="{y0}" width="{pw}" height="{PH}" fill="none" stroke="#9e9e9e"/>')
        v = 0
        while v <= d_top + 1e-9:
            out.append(f'<line x1="{L - 4}" y1="{yd(v):.1f}" x2="{L + pw}" y2="{yd(v):.1f}" stroke="#eee"/>'
                       f'<text x="{L - 6}" y="{yd(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
            v += d_step
        v = 0
        while v <= m_top + 1e-9:
            out.append(f'<text x="{L + pw + 6}" y="{ym(v) + 4:.1f}">{v:,.0f}</text>')
            v += m_step
        t = 0
        while t <= t_max + 1e-9:
            out.append(f'<text x="{x(t):.1f}" y="{y0 + PH + 16}" text-anchor="middle">{t:g}</text>')
            t += t_step
        out.append(f'<text x="{L + pw / 2}" y="{y0 + PH + 32}" text-anchor="middle">seconds since the first '
                   f'enqueue</text>')
        out.append(f'<text transform="translate({L - 50},{y0 + PH / 2}) rotate(-90)" text-anchor="middle">'
                   f'queue depth</text>')
        out.append(f'<text transform="translate({W - 18},{y0 + PH / 2}) rotate(90)" text-anchor="middle">'
                   f'VPS memory MiB</text>')
        limit_mib = m_max
        out.append(f'<line x1="{L}" y1="{ym(limit_mib):.1f}" x2="{L + pw}" y2="{ym(limit_mib):.1f}" stroke="#000" '
                   f'stroke-dasharray="2,2"/><text x="{L + pw - 4}" y="{ym(limit_mib) - 4:.1f}" text-anchor="end">'
                   f'VPS limit</text>')
        for kind, r in series.items():
            c = COLORS[kind]
            # At most a point per pixel column: a long drain stays a small file.
            samples = r["samples"][:: math.ceil(len(r["samples"]) / pw) or 1] + r["samples"][-1:]
            depth = " ".join(f"{x(s[0]):.1f},{yd(s[1]):.1f}" for s in samples if s[1] is not None)
            mem = " ".join(f"{x(s[0]):.1f},{ym(s[3] / MiB):.1f}" for s in samples if s[3] is not None)
            out.append(f'<polyline points="{depth}" fill="none" stroke="{c}" stroke-width="1.5"/>')
            out.append(f'<polyline points="{mem}" fill="none" stroke="{c}" stroke-width="1.5" '
                       f'stroke-dasharray="5,3"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=["ledger", "untuned", "kit", "report"])
    p.add_argument("--work", required=True)
    p.add_argument("--run-id", required=True)
    p.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
    p.add_argument("--memory", default="1GiB")
    p.add_argument("--memory-bytes", type=int)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--bursts", default=",".join(BURSTS))
    p.add_argument("--skip", default="")
    p.add_argument("--settle", type=float, default=20.0)
    p.add_argument("--drain-timeout", type=float, default=3600.0)
    p.add_argument("--stall", type=float, default=300.0)
    p.add_argument("--ledger-port", type=int)
    p.add_argument("--redis-port", type=int)
    p.add_argument("--stack")
    p.add_argument("--plan")
    p.add_argument("--broker-url")
    p.add_argument("--kit-set", action="append")
    p.add_argument("--out")
    p.add_argument("--command-line", dest="command_text", default="")
    args = p.parse_args()
    args.bursts = [b for b in args.bursts.split(",") if b]
    for b in args.bursts:
        if b not in BURSTS:
            p.error(f"unknown burst {b!r} (one of {', '.join(BURSTS)})")
    args.network = f"qkb-{args.run_id}"
    args.command = args.command_text
    {"ledger": cmd_ledger, "untuned": cmd_untuned, "kit": cmd_kit, "report": cmd_report}[args.action](args)


if __name__ == "__main__":
    main()
