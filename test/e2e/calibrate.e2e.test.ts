// npm run calibrate on the real Docker engine: the demo app measured in its own image, and bad input refused
// with the key named; nothing labelled queuekit.calibrate is left behind either way.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { profileSchema } from "../../infra/config/profile";
import { repo } from "./harness";

const MiB = 2 ** 20;
const main = path.join(repo, "dist/scripts/calibrate/main.js");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

/** The command itself (compiled by the test build): `npm run calibrate` adds only the tsc step. */
function calibrate(args: string[]): Run {
  const r = spawnSync("node", [main, ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "", pid: r.pid ?? -1 };
}

/** Containers and networks a calibration run (by its pid) left in Docker. */
function leftovers(pid: number): string[] {
  const filter = `label=queuekit.calibrate=${pid}`;
  const list = (args: string[]) =>
    spawnSync("docker", [...args, "--filter", filter, "--format", "{{.Names}}{{.Name}}"], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean);
  return [...list(["ps", "-a"]), ...list(["network", "ls"])];
}

describe("npm run calibrate, end to end", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "qk-calibrate-e2e-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("measures the demo app: heavy ≈ 150 MiB, light < 8 MiB, plausible worker sizes and message bytes", () => {
    const out = path.join(dir, "demo.json");
    const r = calibrate(["--samples", "examples/celery-demo/calibrate.yaml", "--out", out]);
    console.log(r.stdout);
    assert.equal(r.code, 0, r.stderr);
    const profile = profileSchema.parse(JSON.parse(readFileSync(out, "utf8")));
    const { light, heavy } = { light: profile.tasks["demo.light"], heavy: profile.tasks["demo.heavy"] };
    assert.equal(heavy.samples, 3);
    assert.equal(light.samples, 30);
    // 150 MiB touched; pages the child already had (freed heap it reuses) can make the rise a little less.
    assert.ok(heavy.peakBytes >= 145 * MiB && heavy.peakBytes <= 175 * MiB, `heavy peak ${heavy.peakBytes / MiB} MiB`);
    assert.ok(light.peakBytes < 8 * MiB, `light peak ${light.peakBytes / MiB} MiB`);
    assert.ok(heavy.seconds.median >= 1.0, `heavy median ${heavy.seconds.median} s`);
    assert.ok(heavy.seconds.max >= heavy.seconds.median);
    for (const [key, bytes] of Object.entries(profile.worker))
      assert.ok(bytes >= 1 * MiB && bytes <= 200 * MiB, `${key} ${bytes / MiB} MiB`);
    for (const key of ["parentRssBytes", "childRssBytes"] as const)
      assert.ok(profile.worker[key] >= 10 * MiB, `${key} ${profile.worker[key] / MiB} MiB`);
    for (const t of [light, heavy]) assert.ok(t.messageBytes > 200 && t.messageBytes < 4000, `${t.messageBytes} B`);
    assert.match(r.stdout, /pulumi config set --path 'queuekit:workers\[0\]\.profile' /);
    assert.match(r.stderr, /\[calibrate\] demo\.heavy 3\/3: \+1[45]\d\.\d MiB/);
    assert.deepEqual(leftovers(r.pid), []);
  });

  it("a task the app does not have: exit 1 naming calls[0].task and the app's tasks, nothing left running", () => {
    const samples = path.join(dir, "unknown.yaml");
    writeFileSync(samples, "image: queuekit/celery-demo:local\napp: demo\ncalls:\n  - task: demo.nope\n");
    const r = calibrate(["--samples", samples]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /calls\[0\]\.task: got "demo\.nope" — the app "demo" has no such task/);
    assert.match(r.stderr, /its tasks: .*demo\.heavy/);
    assert.deepEqual(leftovers(r.pid), []);
  });

  it("an image that is not in the local engine: exit 1 naming image, nothing started", () => {
    const samples = path.join(dir, "noimage.yaml");
    writeFileSync(samples, "image: queuekit/no-such-image:none\napp: demo\ncalls:\n  - task: demo.light\n");
    const r = calibrate(["--samples", samples]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /image: got "queuekit\/no-such-image:none" — no such image in the local Docker engine/);
    assert.deepEqual(leftovers(r.pid), []);
  });
});
