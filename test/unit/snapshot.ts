// Minimal file snapshots for node:test on Node 20: UPDATE_SNAPSHOTS=1 rewrites them.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const dir = path.resolve(__dirname, "../../../test/unit/__snapshots__");

export function matchSnapshot(name: string, actual: string): void {
  const file = path.join(dir, name);
  if (process.env.UPDATE_SNAPSHOTS === "1" || !existsSync(file)) {
    if (process.env.CI === "true" && !existsSync(file))
      assert.fail(`snapshot ${name} is missing (run with UPDATE_SNAPSHOTS=1)`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, "utf8"), `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}
