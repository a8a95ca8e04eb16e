// What the policy pack costs.
//
//   node dist/scripts/bench-policies.js [--runs N] [--containers N] [--skip-cli] [--only-default] [--compare-pack DIR]
//
// 1. `pulumi preview` of the kit's default stack (local), with and without `--policy-pack policies`
//    (median of N runs each, alternating; wall and CPU time — pulumi and every process it waited for, which a busy
//    machine disturbs less — ratios and the load average), then the
//    pack's start-up alone (its analyzer plugin until it serves; both packs with --compare-pack). --only-default
//    stops there.
// 2. The pack's evaluation of a generated stack of N containers (default 500) through the analyzer path:
//    the pack's server started the way the engine starts it, then one Analyze request per resource and one
//    AnalyzeStack over all of them, built like the engine's (policies/test/analyzerClient.ts).
// 3. `pulumi preview` of that generated stack as a real program, with and without the pack (unless --skip-cli).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const repo = path.resolve(__dirname, "..", "..");
const pack = path.join(repo, "policies");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const runs = arg("runs", 3);
const count = arg("containers", 500);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** --compare-pack DIR: also preview with another build of the pack (e.g. a worktree of an older commit). */
const otherPackAt = process.argv.indexOf("--compare-pack");
const otherPack = otherPackAt > 0 ? path.resolve(process.argv[otherPackAt + 1]!) : undefined;

/** One preview: wall time, and the CPU time of `pulumi` and every process it waited for (plugins, the program). */
interface Run {
  readonly ms: number;
  readonly cpuMs: number;
}

function preview(dir: string, stack: string, withPack: boolean | string, backend?: string): Run {
  const env = { ...process.env, ...(backend && { PULUMI_BACKEND_URL: `file://${backend}` }) };
  const cpuFile = path.join(os.tmpdir(), `qk-bench-cpu-${process.pid}`);
  const script = [
    `source '${repo}/scripts/env.sh' >/dev/null`,
    `cd '${dir}'`,
    `pulumi stack select --create ${stack} --non-interactive >/dev/null`,
    `/usr/bin/time -f '%U %S' -o '${cpuFile}' pulumi preview --non-interactive --diff=false --stack ${stack}${withPack ? ` --policy-pack '${withPack === true ? pack : withPack}'` : ""} >/dev/null 2>&1`,
  ].join(" && ");
  const t = Date.now();
  const r = spawnSync("bash", ["-c", script], { env, stdio: "ignore", timeout: 30 * 60_000 });
  const ms = Date.now() - t;
  // Exit 255 with the pack means violations were found: still a full evaluation (time then exits 255 too).
  if (r.status !== 0 && !(withPack && r.status === 255)) throw new Error(`preview of ${dir} failed (exit ${r.status})`);
  // The last line: time prints "Command exited with non-zero status N" before it when the preview fails.
  const [user, sys] = fs.readFileSync(cpuFile, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  fs.rmSync(cpuFile, { force: true });
  return { ms, cpuMs: (user! + sys!) * 1000 };
}

function comparePreviews(label: string, dir: string, stack: string, backend?: string): void {
  preview(dir, stack, false, backend); // warm-up: plugin caches, node module cache
  const plain: Run[] = [];
  const guarded: Run[] = [];
  const other: Run[] = [];
  for (let i = 0; i < runs; i++) {
    plain.push(preview(dir, stack, false, backend));
    guarded.push(preview(dir, stack, true, backend));
    if (otherPack) other.push(preview(dir, stack, otherPack, backend));
  }
  const wall = (xs: Run[]): number[] => xs.map((x) => x.ms);
  const cpu = (xs: Run[]): number[] => xs.map((x) => x.cpuMs);
  /** Medians, what the pack adds, the ratio and the median pairwise ratio (each run against the plain run before it). */
  const summary = (xs: number[], base: number[]): string => {
    const m = median(xs);
    const b = median(base);
    const pairwise = median(xs.map((x, i) => x / base[i]!));
    return `${secs(m)}: +${secs(m - b)}, ${(m / b).toFixed(2)}× (median pairwise ratio ${pairwise.toFixed(2)}×)`;
  };
  const packs: [string, Run[]][] = [[pack, guarded], ...(otherPack ? [[otherPack, other] as [string, Run[]]] : [])];
  console.log(
    `${label}, median of ${runs}: plain preview ${secs(median(wall(plain)))} wall, ${secs(median(cpu(plain)))} CPU`,
  );
  for (const [name, xs] of packs) {
    console.log(`  with ${name}: wall ${summary(wall(xs), wall(plain))}; CPU ${summary(cpu(xs), cpu(plain))}`);
    console.log(`    runs (wall / CPU): ${xs.map((x) => `${secs(x.ms)} / ${secs(x.cpuMs)}`).join(", ")}`);
  }
  console.log(`    plain runs (wall / CPU): ${plain.map((x) => `${secs(x.ms)} / ${secs(x.cpuMs)}`).join(", ")}`);
  console.log(
    `  load average (1, 5, 15 min) after the runs: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
}

interface Fixtures {
  container(name: string, props?: Record<string, unknown>): unknown;
  redisContainer(name: string): unknown;
  workerContainer(name: string): unknown;
  vpsHost(name: string, props?: Record<string, unknown>): unknown;
}

/** N containers: every 10th Redis (with its redis.conf upload), every 10th a Celery worker, the rest plain. */
function generated(f: Fixtures, n: number): unknown[] {
  const out: unknown[] = [f.vpsHost("host", { memoryBytes: 1024 * 1024 * 2 ** 20 })];
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) out.push(f.redisContainer(`redis-${i}`));
    else if (i % 10 === 1) out.push(f.workerContainer(`worker-${i}`));
    else out.push(f.container(`app-${i}`, { memory: 64 + (i % 7) * 32, memorySwap: 64 + (i % 7) * 32 }));
  }
  return out;
}

/**
 * The pack's start-up alone: its analyzer plugin started as the CLI starts it until it serves (GetAnalyzerInfo,
 * Configure), median of `runs`; with --compare-pack, the other pack too, alternating.
 */
async function packStartup(): Promise<void> {
  const { AnalyzerClient } = await import(path.join(pack, "dist/test/analyzerClient.js"));
  const dirs = [pack, ...(otherPack ? [otherPack] : [])];
  const times = dirs.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [d, dir] of dirs.entries()) {
      const a = await AnalyzerClient.start(dir);
      times[d]!.push(a.startupMs);
      a.stop();
    }
  }
  for (const [d, dir] of dirs.entries())
    console.log(
      `pack start-up (plugin to serving) of ${dir}: ${secs(median(times[d]!))} (median of ${runs}: ${times[d]!.map(secs).join(", ")})`,
    );
}

async function analyzerPath(): Promise<void> {
  // The pack's own test harness (compiled with the pack): see policies/test/analyzerClient.ts.
  const { AnalyzerClient } = await import(path.join(pack, "dist/test/analyzerClient.js"));
  const f: Fixtures = await import(path.join(pack, "dist/test/fixtures.js"));
  const resources = generated(f, count);
  const analyzer = await AnalyzerClient.start();
  try {
    console.log(`pack server start (run-policy-pack, GetAnalyzerInfo, Configure): ${analyzer.startupMs} ms`);
    for (let round = 0; round < 2; round++) {
      let t = process.hrtime.bigint();
      let findings = 0;
      for (const r of resources) findings += (await analyzer.analyze(r)).length;
      const analyzeMs = Number(process.hrtime.bigint() - t) / 1e6;
      t = process.hrtime.bigint();
      findings += (await analyzer.analyzeStack(resources)).length;
      const stackMs = Number(process.hrtime.bigint() - t) / 1e6;
      console.log(
        `${round === 0 ? "cold" : "warm"}: ${resources.length} Analyze requests ${analyzeMs.toFixed(0)} ms (${(analyzeMs / resources.length).toFixed(2)} ms each), ` +
          `AnalyzeStack over ${resources.length} resources ${stackMs.toFixed(0)} ms — total ${(analyzeMs + stackMs).toFixed(0)} ms, ${findings} findings`,
      );
    }
  } finally {
    analyzer.stop();
  }
}

/** A real program with the same N containers, previewed through the CLI. */
function cliGenerated(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qk-bench-"));
  try {
    const dir = path.join(work, "gen");
    fs.mkdirSync(dir);
    fs.mkdirSync(path.join(work, "state"));
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(work, "node_modules"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: policy-bench\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
    );
    fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "policy-bench", "private": true }\n');
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `const docker = require("@pulumi/docker");
const logs = { logDriver: "json-file", logOpts: { "max-size": "10m" } };
for (let i = 0; i < ${count}; i++) {
  const mib = 64 + (i % 7) * 32;
  new docker.Container("app-" + i, { image: "busybox:1.36", command: ["sleep", "infinity"], memory: mib, memorySwap: mib,
    restart: "unless-stopped", healthcheck: { tests: ["CMD", "true"] }, ...logs });
}
`,
    );
    comparePreviews(`generated program, ${count} docker.Container`, dir, "bench", path.join(work, "state"));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `policy pack benchmark — ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
  );
  const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: pack, stdio: "inherit" });
  if (build.status !== 0) throw new Error("building the pack failed");
  comparePreviews("kit default stack (local)", repo, "local");
  await packStartup();
  if (process.argv.includes("--only-default")) return;
  await analyzerPath();
  if (!process.argv.includes("--skip-cli")) cliGenerated();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
