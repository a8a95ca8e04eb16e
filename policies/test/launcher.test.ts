// The kit's `policy` analyzer plugin (analyzer/pulumi-analyzer-policy → lib/startup/runCompiledPack.ts): a pack
// with `typescript: false` starts without TypeScript, any other pack as upstream's run-policy-pack starts it, and a
// pack that throws while loading fails with its message.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, it } from "node:test";
import { parseLaunchArgs, wantsCompiledRun } from "../lib/startup/runCompiledPack";
import { ANALYZER_PLUGIN, PACK_DIR, analyzerArgs } from "./analyzerClient";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "qk-launcher-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

// Loaded in the launched process: on exit, writes whether any `typescript` module was loaded.
const probe = path.join(work, "probe.js");
fs.writeFileSync(
  probe,
  `process.on("exit", () => require("fs").writeFileSync(process.env.QK_PROBE_OUT,
     JSON.stringify({ typescript: Object.keys(require.cache).some((f) => /[\\\\/]typescript(@[0-9.]+)?[\\\\/]/.test(f)) })));
   process.on("SIGTERM", () => process.exit(0));`,
);

interface Launch {
  readonly port?: number;
  readonly code?: number | null;
  readonly stderr: string;
  readonly typescript?: boolean;
}

/** Runs the plugin as the CLI does; stops it once it prints its port (or reports how it exited). */
function launch(cwd: string, args: string[]): Promise<Launch> {
  const out = path.join(work, `probe-${Date.now()}-${Math.random()}.json`);
  const child = spawn(ANALYZER_PLUGIN, args, {
    cwd,
    env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, QK_PROBE_OUT: out },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let port: number | undefined;
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.on("data", (d) => {
    stdout += d;
    const m = /^(\d+)\s*$/m.exec(stdout);
    if (m && port === undefined) {
      port = Number(m[1]);
      child.kill("SIGTERM");
    }
  });
  return new Promise((resolve) =>
    child.on("exit", (code) => {
      const probed = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as { typescript: boolean }) : {};
      resolve({ port, code: port === undefined ? code : undefined, stderr, ...probed });
    }),
  );
}

it("reads the CLI's arguments: engine, pack directory, one -name=value per runtime option", () => {
  assert.deepEqual(parseLaunchArgs(["127.0.0.1:5", ".", "-typescript=false", "-nodeargs=--x=1"]), {
    engine: "127.0.0.1:5",
    packDir: ".",
    options: { typescript: "false", nodeargs: "--x=1" },
  });
  assert.equal(wantsCompiledRun(parseLaunchArgs(["e", ".", "-typescript=false"])), true);
  assert.equal(wantsCompiledRun(parseLaunchArgs(["e", ".", "-typescript=true"])), false);
  assert.equal(wantsCompiledRun(parseLaunchArgs(["e", "."])), false);
  assert.throws(
    () => parseLaunchArgs(["127.0.0.1:5"]),
    /usage: pulumi-analyzer-policy <engine address> <pack directory>/,
  );
  assert.throws(() => parseLaunchArgs(["e", ".", "typescript"]), /option "typescript" is not -name=value/);
});

it("the pack declares typescript: false, so the CLI passes -typescript=false", () => {
  assert.deepEqual(analyzerArgs(PACK_DIR).slice(1), [".", "-typescript=false"]);
});

it("starts the pack without loading TypeScript when it sets typescript: false", async () => {
  const r = await launch(PACK_DIR, analyzerArgs(PACK_DIR));
  assert.ok(r.port, `the pack did not serve: ${r.stderr}`);
  assert.equal(r.typescript, false);
});

it("starts a pack without the option through upstream's run-policy-pack (which loads TypeScript)", async () => {
  const r = await launch(PACK_DIR, ["127.0.0.1:1", "."]);
  assert.ok(r.port, `the pack did not serve: ${r.stderr}`);
  assert.equal(r.typescript, true);
});

it("a compiled pack that throws while loading exits 1 with its message", async () => {
  const dir = path.join(work, "broken-pack");
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "broken-pack", "main": "main.js" }\n');
  fs.writeFileSync(path.join(dir, "main.js"), 'throw new Error("rule table missing");\n');
  const r = await launch(dir, ["127.0.0.1:1", ".", "-typescript=false"]);
  assert.equal(r.port, undefined);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /policy pack failed: Error: rule table missing/);
});
