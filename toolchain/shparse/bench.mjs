// What the shell parser costs the pack, in CPU time of one fresh process (user + system, all threads):
//
//   node toolchain/shparse/bench.mjs [policies dir] [--no-cache]
//
// Reads the kit's host-step scripts (test/unit/__snapshots__/host-steps-local.sh, split at `#### create/delete`)
// with the pack's readScript: the first pass includes loading the parser; then a second pass. Run it in fresh
// processes several times; point it at another checkout's policies/ to compare (e.g. the hand-written lexer).
// --no-cache: a copy of the built parser in an empty directory, so no parsed result is cached next to it.
import { Buffer } from "node:buffer";
import console from "node:console";
import { createRequire } from "node:module";
import process from "node:process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const policies = path.resolve(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? path.join(repo, "policies"));
const require = createRequire(import.meta.url);
if (process.argv.includes("--no-cache")) {
  const { shparseLocation } = require(path.join(repo, "policies/dist/lib/parse/shparse.js"));
  process.env.QUEUEKIT_SHPARSE_WASM = shparseLocation().wasm;
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "shparse-bench-"));
  fs.mkdirSync(path.join(empty, "x"));
  process.on("exit", () => fs.rmSync(empty, { recursive: true, force: true }));
  fs.copyFileSync(process.env.QUEUEKIT_SHPARSE_WASM, path.join(empty, "x", "shparse.wasm"));
  process.env.QUEUEKIT_SHPARSE_WASM = path.join(empty, "x", "shparse.wasm");
}
const doc = fs.readFileSync(path.join(repo, "test/unit/__snapshots__/host-steps-local.sh"), "utf8");
const scripts = doc.split(/^#### create\n|^#### delete\n/m).slice(1);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let t = cpu();
const { readScript } = require(path.join(policies, "dist/lib/parse/commandLine.js"));
let invocations = 0;
for (const s of scripts) invocations += readScript(s).invocations.length;
const first = cpu() - t;
t = cpu();
for (const s of scripts) readScript(s);
const second = cpu() - t;
console.log(
  JSON.stringify({
    policies,
    scripts: scripts.length,
    bytes: scripts.reduce((n, s) => n + Buffer.byteLength(s), 0),
    invocations,
    firstPassCpuMs: Math.round(first),
    secondPassCpuMs: Math.round(second),
  }),
);
