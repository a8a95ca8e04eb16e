// The kit's `policy` analyzer plugin (policies/analyzer, named in Pulumi.yaml plugins.analyzers) through the real
// CLI: a project that names it gets the pack started without TypeScript, and a mandatory violation still fails
// the preview. Run: flock /tmp/queuekit-e2e-policyLauncher.lock node --test dist/test/e2e/policyLauncher.e2e.test.js
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, it } from "node:test";

const repo = path.resolve(__dirname, "..", "..", "..");
const pack = path.join(repo, "policies");
const example = "policy-unsafe-memory-limit";

let work: string;

before(() => {
  const build = spawnSync("npx", ["tsc", "-p", "tsconfig.json"], { cwd: pack, encoding: "utf8" });
  assert.equal(build.status, 0, `building the policy pack failed:\n${build.stdout}${build.stderr}`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), "qk-launcher-e2e-"));
  fs.mkdirSync(path.join(work, "state"));
  fs.symlinkSync(path.join(repo, "node_modules"), path.join(work, "node_modules"));
  for (const name of [example, "policy-common"])
    fs.cpSync(path.join(repo, "examples", name), path.join(work, "examples", name), { recursive: true });
  // Loaded into every node the preview starts; the pack's process records what it loaded.
  fs.writeFileSync(
    path.join(work, "probe.js"),
    `process.on("exit", () => {
       if (!Object.keys(require.cache).some((f) => f.startsWith(${JSON.stringify(path.join(pack, "dist") + path.sep)}))) return;
       require("fs").appendFileSync(${JSON.stringify(path.join(work, "probe.jsonl"))}, JSON.stringify({
         launcher: process.argv[1],
         typescript: Object.keys(require.cache).some((f) => /[\\\\/]typescript(@[0-9.]+)?[\\\\/]/.test(f)),
       }) + "\\n");
     });
     process.on("SIGTERM", () => process.exit(0));
     process.on("SIGINT", () => process.exit(0));`,
  );
});

after(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function previewWithPack(dir: string): { code: number; output: string } {
  const script = `source '${repo}/scripts/env.sh' >/dev/null && cd '${dir}' && pulumi stack select --create e2e --non-interactive >/dev/null && pulumi preview --non-interactive --diff=false --stack e2e --policy-pack '${pack}'`;
  const r = spawnSync("bash", ["-c", script], {
    env: {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${path.join(work, "state")}`,
      NODE_OPTIONS: `--require ${path.join(work, "probe.js")}`,
    },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 10 * 60_000,
  });
  return { code: r.status ?? -1, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

it("a project naming the kit's analyzer plugin: the pack starts without TypeScript and its mandatory rule fails the preview", () => {
  const dir = path.join(work, "examples", example);
  fs.appendFileSync(
    path.join(dir, "Pulumi.yaml"),
    `plugins:\n  analyzers:\n    - name: policy\n      path: ${path.join(pack, "analyzer")}\n`,
  );
  const p = previewWithPack(dir);
  const tail = p.output.split("\n").slice(-40).join("\n");
  assert.notEqual(p.code, 0, `expected a failing preview:\n${tail}`);
  assert.match(p.output, /\[mandatory\](?: \[severity: \w+\])?\s+container-memory-limit\s+\(/, tail);
  const probes = fs
    .readFileSync(path.join(work, "probe.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { launcher: string; typescript: boolean });
  assert.deepEqual(probes, [
    { launcher: path.join(pack, "dist", "lib", "startup", "runCompiledPack.js"), typescript: false },
  ]);
});
