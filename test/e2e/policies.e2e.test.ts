// End to end with the real Pulumi CLI: `pulumi preview --policy-pack policies` on the kit's default stack and on
// the examples/policy-* stacks. Safe stacks must report no violation at all; each unsafe stack must fail
// (non-zero exit) naming the rule it breaks; an advisory stack passes with a warning naming its rule. Prints how long each preview took, with and without the pack.
//
// The examples are copied to a temporary workspace (with a node_modules link to the repository's) and previewed
// against a temporary file backend, so nothing in examples/ or .pulumi-state changes. The kit's default stack
// is previewed where it lives, exactly as `npm run preview` does.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

const repo = path.resolve(__dirname, "..", "..", "..");
const pack = path.join(repo, "policies");

interface Preview {
  readonly code: number;
  readonly output: string;
  readonly ms: number;
  /** [level, rule] for each violation the CLI printed under "Policies:". */
  readonly violations: readonly [string, string][];
}

/** Run `pulumi preview` through scripts/env.sh in `dir`, on `stack` (created when missing). */
function preview(dir: string, stack: string, opts: { policy: boolean; backend?: string }): Preview {
  const env = { ...process.env, ...(opts.backend && { PULUMI_BACKEND_URL: `file://${opts.backend}` }) };
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const select = `pulumi stack select --create ${q(stack)} --non-interactive >/dev/null`;
  const run = `pulumi preview --non-interactive --diff=false --stack ${q(stack)}${opts.policy ? ` --policy-pack ${q(pack)}` : ""}`;
  const script = `source ${q(path.join(repo, "scripts/env.sh"))} >/dev/null && cd ${q(dir)} && ${select} && ${run}`;
  const started = Date.now();
  const r = spawnSync("bash", ["-c", script], {
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
  });
  const ms = Date.now() - started;
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const violations = [
    ...output.matchAll(/^\s*- \[(mandatory|advisory)\](?: \[severity: \w+\])?\s+([a-z0-9-]+)\s+\(/gm),
  ].map((m) => [m[1]!, m[2]!] as [string, string]);
  return { code: r.status ?? -1, output, ms, violations };
}

const show = (p: Preview): string => p.output.split("\n").slice(-60).join("\n");

let work: string;
const timings: string[] = [];

before(() => {
  // The pack as CI runs it: compiled to policies/dist, loaded through package.json main.
  const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: pack, encoding: "utf8" });
  assert.equal(build.status, 0, `building the policy pack failed:\n${build.stdout}${build.stderr}`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "qk-policy-e2e-"));
  fs.mkdirSync(path.join(work, "state"));
  fs.mkdirSync(path.join(work, "examples"));
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(work, "node_modules"));
  for (const name of fs.readdirSync(path.join(repo, "examples"))) {
    if (name.startsWith("policy-"))
      fs.cpSync(path.join(repo, "examples", name), path.join(work, "examples", name), { recursive: true });
  }
});

after(() => {
  console.log(`\npolicy e2e timings (pulumi preview, wall clock):\n${timings.map((t) => `  ${t}`).join("\n")}`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function previewExample(name: string): Preview {
  const p = preview(path.join(work, "examples", name), "e2e", { policy: true, backend: path.join(work, "state") });
  timings.push(
    `${name.padEnd(38)} ${(p.ms / 1000).toFixed(1)} s  exit ${p.code}  ${p.violations.map(([l, r]) => `${r}(${l[0]})`).join(" ") || "no violations"}`,
  );
  return p;
}

/**
 * The container-hardening advisories the kit's own stack still draws, each with why (issue 13.2). Every other
 * rule must pass; an advisory listed here that no longer fires fails the test too, so the entry is removed once
 * the kit closes the gap. Read-only roots are being added to the kit: until then the advisory may or may not fire.
 */
const KIT_HARDENING_GAPS: Record<string, { why: string; required: boolean }> = {
  "container-read-only-root": { why: "read-only roots for the kit's containers are in progress", required: false },
};

describe("safe stacks pass with zero violations", () => {
  it("the kit's default stack (local): no violation but its listed hardening gaps; every container non-root", () => {
    const plain = preview(repo, "local", { policy: false });
    assert.equal(plain.code, 0, `plain preview of the default stack failed:\n${show(plain)}`);
    const guarded = preview(repo, "local", { policy: true });
    timings.push(`kit default stack, without the pack       ${(plain.ms / 1000).toFixed(1)} s`);
    timings.push(`kit default stack, --policy-pack policies ${(guarded.ms / 1000).toFixed(1)} s  exit ${guarded.code}`);
    // Each container states its image's non-root uid:gid (runAs), so the pack, which reads no image, sees it.
    assert.ok(!guarded.violations.some(([, r]) => r === "container-non-root-user"), show(guarded));
    const other = guarded.violations.filter(([level, rule]) => level !== "advisory" || !(rule in KIT_HARDENING_GAPS));
    assert.deepEqual(other, [], `violations on the default stack:\n${show(guarded)}`);
    for (const [rule, gap] of Object.entries(KIT_HARDENING_GAPS))
      if (gap.required)
        assert.ok(
          guarded.violations.some(([, r]) => r === rule),
          `${rule} no longer fires on the kit's stack (${gap.why}): remove it from KIT_HARDENING_GAPS`,
        );
    assert.equal(guarded.code, 0, show(guarded));
    // ⚠️ while a listed advisory fires, ✅ once none does.
    assert.match(
      guarded.output,
      guarded.violations.length ? /⚠️ queuekit-memory-safety@v\d/ : /✅ queuekit-memory-safety@v\d/,
    );
  });

  for (const name of ["policy-safe-local", "policy-safe-remote", "policy-safe-split-files"]) {
    it(name, () => {
      const p = previewExample(name);
      assert.deepEqual(p.violations, [], `violations:\n${show(p)}`);
      assert.equal(p.code, 0, show(p));
      assert.match(p.output, /✅ queuekit-memory-safety@v\d/);
    });
  }
});

/** Each unsafe example and the mandatory rule it breaks (every mandatory rule has one). */
const UNSAFE: Record<string, string> = {
  "policy-unsafe-memory-limit": "container-memory-limit",
  "policy-unsafe-unknown-limit": "container-memory-limit",
  "policy-unsafe-swap": "container-swap-bounded",
  "policy-unsafe-oom-kill-disable": "no-oom-kill-disable",
  "policy-unsafe-oom-score-adj": "no-extreme-oom-score-adj",
  "policy-unsafe-redis-maxmemory": "redis-maxmemory-set",
  "policy-unsafe-redis-headroom": "redis-maxmemory-within-container",
  "policy-unsafe-redis-eviction": "redis-broker-eviction-safe",
  "policy-unsafe-redis-public": "redis-not-public",
  "policy-unsafe-overcommit": "host-overcommit-for-redis",
  "policy-unsafe-budget": "host-memory-budget",
  "policy-unsafe-celery-oversubscribed": "celery-worker-within-container",
  "policy-unsafe-privileged": "container-no-privileged",
  "policy-unsafe-ssh-key": "ssh-private-key-secret",
  // docker.Service (Swarm); policiesSwarm.e2e.test.ts previews and deploys policy-safe-swarm.
  "policy-unsafe-memory-limit-swarm": "container-memory-limit",
  "policy-unsafe-redis-public-swarm": "redis-not-public",
};

describe("unsafe stacks fail, naming the rule", () => {
  it("every mandatory rule of the pack has an unsafe example", () => {
    const info = spawnSync(
      process.execPath,
      [
        "-e",
        "console.log(JSON.stringify(require('./dist/rules').rules.filter((r) => r.enforcementLevel === 'mandatory').map((r) => r.name)))",
      ],
      { cwd: pack, encoding: "utf8" },
    );
    const mandatory: string[] = JSON.parse(info.stdout);
    assert.deepEqual([...new Set(Object.values(UNSAFE))].sort(), [...mandatory].sort());
    assert.deepEqual(
      Object.keys(UNSAFE).sort(),
      fs
        .readdirSync(path.join(repo, "examples"))
        .filter((n) => n.startsWith("policy-unsafe-"))
        .sort(),
    );
  });

  for (const [name, rule] of Object.entries(UNSAFE)) {
    it(`${name} → ${rule}`, () => {
      const p = previewExample(name);
      assert.notEqual(p.code, 0, `expected a failing preview:\n${show(p)}`);
      assert.ok(
        p.violations.some(([level, r]) => level === "mandatory" && r === rule),
        `expected a mandatory ${rule} violation, got ${JSON.stringify(p.violations)}:\n${show(p)}`,
      );
    });
  }
});

/** Each advisory example and the advisory rule it warns about: the preview passes, naming the rule. */
const ADVISORY: Record<string, string> = {
  "policy-advisory-metrics-public": "metrics-not-public",
};

describe("advisory stacks pass with a warning naming the rule", () => {
  for (const [name, rule] of Object.entries(ADVISORY)) {
    it(`${name} → ${rule}`, () => {
      const p = previewExample(name);
      assert.equal(p.code, 0, `an advisory finding must not fail the preview:\n${show(p)}`);
      assert.deepEqual(p.violations, [["advisory", rule]], show(p));
    });
  }
});

describe("a docker.Service previews through the CLI (the bridged docker plugin, issue 11)", () => {
  it("a Service without a memory limit previews, and the pack rejects it there", () => {
    const dir = path.join(work, "examples", "service-no-limit");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: service-no-limit\nruntime: nodejs\nmain: index.js\n");
    fs.writeFileSync(
      path.join(dir, "index.js"),
      `const docker = require("@pulumi/docker");
new docker.Service("svc", { name: "qk-e2e-svc", taskSpec: { containerSpec: { image: "queuekit/celery-demo:local" } } });
`,
    );
    const plain = preview(dir, "e2e", { policy: false, backend: path.join(work, "state") });
    assert.equal(plain.code, 0, `the Service must preview without the pack:\n${show(plain)}`);
    assert.match(plain.output, /\+ +docker:index:Service +svc +create/);
    const p = preview(dir, "e2e", { policy: true, backend: path.join(work, "state") });
    timings.push(`service-no-limit ${(p.ms / 1000).toFixed(1)} s  exit ${p.code}`);
    assert.notEqual(p.code, 0, `expected a failing preview:\n${show(p)}`);
    assert.ok(
      p.violations.some(([level, r]) => level === "mandatory" && r === "container-memory-limit"),
      `expected a mandatory container-memory-limit violation, got ${JSON.stringify(p.violations)}:\n${show(p)}`,
    );
    assert.match(p.output, /docker\.Service "qk-e2e-svc"/);
  });
});
