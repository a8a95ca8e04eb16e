// package.json's engines field declares exactly the Node.js lines scripts/node-lines.sh tests, plus the machine's own.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const repo = path.resolve(__dirname, "../../..");
const script = readFileSync(path.join(repo, "scripts/node-lines.sh"), "utf8");
const engines = (file: string): string =>
  (JSON.parse(readFileSync(path.join(repo, file), "utf8")) as { engines: { node: string } }).engines.node;

/** The pinned versions of `lines=(…)` in scripts/node-lines.sh. */
function testedLines(): string[] {
  const match = /\|\| lines=\(([^)]*)\)/.exec(script);
  assert.ok(match, "scripts/node-lines.sh has no default `lines=(…)`");
  return match[1].trim().split(/\s+/);
}

describe("Node.js lines", () => {
  it("tests one exact release of each of 22 and 24", () => {
    const lines = testedLines();
    assert.deepEqual(
      lines.map((v) => v.split(".")[0]),
      ["22", "24"],
    );
    for (const v of lines) assert.match(v, /^\d+\.\d+\.\d+$/, `${v} is not an exact version`);
  });

  it("the kit declares the tested lines and the one they run on here", () => {
    const majors = ["20", ...testedLines().map((v) => v.split(".")[0])];
    const declared = majors.map((m) => `^${m}`).join(" || ");
    assert.equal(engines("package.json"), declared);
  });
});
