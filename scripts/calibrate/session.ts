// One calibration on the local Docker engine: a throw-away Redis and the user's image as a real prefork
// worker on a throw-away network, the sample calls run and measured, everything removed at the end.
import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { AppProfile } from "../../infra/config/profile";
import { readTemplate } from "../../infra/render/template";
import { docker, logTail, removeLabelled } from "./docker";
import { CalibrateError, type Samples, unknownTasks } from "./samples";
import { buildProfile, idleFigures, type IdleReading, median, type MessageFigure, type RunRecord } from "./summary";
import { CALIBRATE_QUEUE, calibrationArgv, calibrationConfig, CONFIG_DIR, PROBE_MODULE } from "./worker";

export const REDIS_IMAGE = "queuekit/redis:7-local";
export const LABEL_KEY = "queuekit.calibrate";
/** Copies of each call queued to measure its message size: enough that Redis' own noise is < 1%. */
export const MESSAGE_COPIES = 1000;
const READY_TIMEOUT_MS = 60_000;
const READY_KEY = "queuekit:calibrate:ready";

const here = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? "../../../scripts/calibrate" : ".",
);
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Names {
  readonly label: string;
  readonly network: string;
  readonly redis: string;
  readonly worker: string;
}

export const namesFor = (id: number | string): Names => ({
  label: `${LABEL_KEY}=${id}`,
  network: `qk-calibrate-${id}`,
  redis: `qk-calibrate-${id}-redis`,
  worker: `qk-calibrate-${id}-worker`,
});

export type Log = (line: string) => void;

async function must(args: string[], what: string): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new CalibrateError(`${what} failed (docker ${args[0]}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Docker answers and both images exist locally (calibrate never pulls: it measures what you built). */
export async function preflight(samples: Samples): Promise<void> {
  const v = await docker(["version", "--format", "{{.Server.Version}}"]);
  if (v.code !== 0)
    throw new CalibrateError(
      `Docker is not running or not reachable (${v.stderr.trim().split("\n").pop()}): start it with npm run engine (scripts/docker-engine.sh), then run calibrate again`,
    );
  if ((await docker(["image", "inspect", samples.image])).code !== 0)
    throw new CalibrateError(
      `image: got "${samples.image}" — no such image in the local Docker engine; build it (docker build -t ${samples.image} .) or pull it, then run calibrate again`,
    );
  if ((await docker(["image", "inspect", REDIS_IMAGE])).code !== 0)
    throw new CalibrateError(`the throw-away broker needs ${REDIS_IMAGE}: build it with bash scripts/images.sh`);
}

async function startRedis(n: Names, password: string, log: Log): Promise<void> {
  log(`starting Redis ${n.redis}`);
  await must(["network", "create", "--label", n.label, n.network], "creating the network");
  await must(
    // No persistence: the broker is thrown away; a password keeps Redis' protected mode satisfied.
    ["run", "-d", "--name", n.redis, "--network", n.network, "--label", n.label, REDIS_IMAGE].concat([
      "redis-server",
      "--save",
      "",
      "--appendonly",
      "no",
      "--requirepass",
      password,
    ]),
    "starting Redis",
  );
  for (let i = 0; i < 100; i++) {
    if ((await redisCli(n, password, ["PING"])).trim() === "PONG") return;
    await sleep(100);
  }
  throw new CalibrateError(`Redis ${n.redis} did not answer within 10 s:\n${await logTail(n.redis)}`);
}

async function redisCli(n: Names, password: string, args: string[]): Promise<string> {
  const r = await docker(["exec", n.redis, "redis-cli", "-a", password, "--no-auth-warning", ...args]);
  return r.code === 0 ? r.stdout : "";
}

/** The files the worker imports from /etc/queuekit: rendered config, the kit's helpers, the probe and client. */
function configFiles(samples: Samples, brokerUrl: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "qk-calibrate-"));
  writeFileSync(path.join(dir, "queuekit_celeryconfig.py"), calibrationConfig(samples, brokerUrl));
  writeFileSync(path.join(dir, "queuekit_celery.py"), readTemplate("celery/queuekit_celery.py"));
  for (const f of [`${PROBE_MODULE}.py`, "queuekit_calibrate_client.py"])
    copyFileSync(path.join(here, f), path.join(dir, f));
  // docker cp keeps modes: the image's user (often not root) must read them.
  chmodSync(dir, 0o755);
  return dir;
}

/** What the probe reports when the worker is ready: the app's task names and the main process' pid. */
interface Ready {
  readonly tasks: string[];
  readonly pid: number;
}

async function startWorker(samples: Samples, n: Names, brokerUrl: string, log: Log): Promise<Ready> {
  log(`starting ${samples.app} in ${samples.image} as a prefork worker (${n.worker})`);
  const dir = configFiles(samples, brokerUrl);
  try {
    await must(
      ["create", "--name", n.worker, "--hostname", n.worker, "--network", n.network, "--label", n.label]
        .concat(["-e", `PYTHONPATH=/app:${CONFIG_DIR}`, samples.image])
        .concat(calibrationArgv(samples, `calibrate@${n.worker}`)),
      "creating the worker",
    );
    await must(["cp", `${dir}/.`, `${n.worker}:${CONFIG_DIR}`], "uploading the config");
    await must(["start", n.worker], "starting the worker");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return waitReady(samples, n, brokerUrl);
}

/** The probe writes the app's task names once the worker is ready; an app that fails to import exits first. */
async function waitReady(samples: Samples, n: Names, brokerUrl: string): Promise<Ready> {
  const password = new URL(brokerUrl).password;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = (await redisCli(n, password, ["GET", READY_KEY])).trim();
    if (ready) return JSON.parse(ready) as Ready;
    const state = (await docker(["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", n.worker])).stdout.trim();
    if (state.startsWith("false"))
      throw new CalibrateError(
        `app: got "${samples.app}" — the worker (celery -A ${samples.app}) in ${samples.image} exited with code ${state.split(" ")[1]} before it was ready; fix the app or the app key. Its last log lines:\n${await logTail(n.worker)}`,
      );
    await sleep(250);
  }
  throw new CalibrateError(
    `app: got "${samples.app}" — the worker was not ready within ${READY_TIMEOUT_MS / 1000} s. Its last log lines:\n${await logTail(n.worker)}`,
  );
}

async function client<T>(n: Names, request: object, log: Log): Promise<T> {
  const r = await docker(
    ["exec", n.worker, "python3", `${CONFIG_DIR}/queuekit_calibrate_client.py`, JSON.stringify(request)],
    {
      onStderrLine: (line) => (line.startsWith("[calibrate]") ? log(line.slice("[calibrate] ".length)) : undefined),
    },
  );
  if (r.code !== 0)
    throw new CalibrateError(`the calibrate client in ${n.worker} failed (exit ${r.code}):\n${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

interface RunAnswer {
  runs?: RunRecord[];
  error?: {
    kind: "raised" | "timeout";
    index: number;
    run: number;
    type?: string;
    message?: string;
    traceback?: string;
  };
}

async function runCalls(samples: Samples, n: Names, log: Log): Promise<RunRecord[]> {
  const total = samples.calls.reduce((s, c) => s + c.repeat, 0);
  log(`running ${total} sample calls, each in a fresh child`);
  const calls = samples.calls.map((c, index) => ({ index, ...c }));
  const timeout = Math.ceil(samples.timeoutSeconds) + 15;
  const answer = await client<RunAnswer>(n, { op: "run", queue: CALIBRATE_QUEUE, timeout, calls }, log);
  if (answer.error) {
    const e = answer.error;
    const call = samples.calls[e.index];
    const what = `calls[${e.index}] (${call.task}, args ${JSON.stringify(call.args)}, kwargs ${JSON.stringify(call.kwargs)}), run ${e.run}`;
    if (e.kind === "raised")
      throw new CalibrateError(
        `${what}: raised ${e.type}: ${e.message} — fix the call's args/kwargs or the task.\n${(e.traceback ?? "").trimEnd()}`,
      );
    throw new CalibrateError(
      `${what}: no result within ${timeout} s (the child may have been killed, or the task is slower than timeoutSeconds: ${samples.timeoutSeconds}). Worker log:\n${await logTail(n.worker)}`,
    );
  }
  return answer.runs ?? [];
}

interface MemoryAnswer extends IdleReading {
  readonly error?: unknown;
}

async function measureIdle(n: Names, ppid: number, exclude: readonly number[], log: Log): Promise<MemoryAnswer> {
  const m = await client<MemoryAnswer>(n, { op: "memory", ppid, exclude }, log);
  if (m.error) throw new CalibrateError(`no idle child of the worker appeared:\n${await logTail(n.worker)}`);
  log(`main process RSS ${mib(m.parentRss)} MiB; idle child USS ${mib(m.childUss)} MiB, RSS ${mib(m.childRss)} MiB`);
  return m;
}

async function measureMessages(samples: Samples, n: Names, log: Log): Promise<MessageFigure[]> {
  log(`measuring message sizes: ${MESSAGE_COPIES} copies of each call on a queue no worker consumes`);
  const calls = samples.calls.map(({ task, args, kwargs }, index) => ({ index, task, args, kwargs }));
  return (await client<{ messages: MessageFigure[] }>(n, { op: "messages", count: MESSAGE_COPIES, calls }, log))
    .messages;
}

/** Measure the app of `samples`; every container and network it starts is removed before it returns or throws. */
export async function calibrate(samples: Samples, log: Log, id: number | string = process.pid): Promise<AppProfile> {
  await preflight(samples);
  const n = namesFor(id);
  const password = randomBytes(16).toString("hex");
  const brokerUrl = `redis://:${password}@${n.redis}:6379/0`;
  try {
    await startRedis(n, password, log);
    const ready = await startWorker(samples, n, brokerUrl, log);
    const registered = ready.tasks;
    const missing = unknownTasks(samples, registered);
    if (missing.length > 0)
      throw new CalibrateError(
        missing
          .map(({ key, task }) => `${key}: got "${task}" — the app "${samples.app}" has no such task`)
          .concat(
            `its tasks: ${registered.join(", ") || "none"}; fix the name (as registered: module.function unless name= is set)`,
          )
          .join("\n  "),
      );
    log("measuring the idle worker as started: main process and a child that has run nothing");
    const cold = await measureIdle(n, ready.pid, [], log);
    const runs = await runCalls(samples, n, log);
    log("measuring the idle worker after the runs: main process and a fresh child that has run nothing");
    const warm = await measureIdle(
      n,
      ready.pid,
      runs.map((r) => r.pid),
      log,
    );
    log(`a child's USS right after its one run: median ${mib(median(runs.map((r) => r.ussAfter)))} MiB`);
    const worker = idleFigures(cold, warm);
    const messages = await measureMessages(samples, n, log);
    return buildProfile({ samples, measuredAt: new Date(), worker, runs, messages });
  } finally {
    log("removing the throw-away containers and network");
    await removeLabelled(n.label);
  }
}
