// The README's rule table lists exactly the pack's rules, each with its level.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { it } from "node:test";
import { rules } from "../rules";

it("README lists every rule with its level", () => {
  const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)`(?: \(stack\))?\s*\| ([MA])\s*\|/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(
    rows,
    rules.map((r) => [r.name, r.info.enforcementLevel === "mandatory" ? "M" : "A"]),
  );
  for (const r of rules)
    if (r.info.cis)
      assert.ok(readme.includes(`${r.info.cis.id} / ${r.info.kics?.id ?? "—"}`), `${r.name}: CIS/KICS ids in README`);
});

it("every test case the README's coverage table quotes exists", async () => {
  const { allCases } = await import("./cases");
  const readme = fs.readFileSync(path.resolve(__dirname, "..", "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Coverage"), readme.indexOf("## Where settings are read"));
  const quoted = [...section.matchAll(/\("([^"]+)"\)/g)].map((m) => m[1]!);
  assert.ok(quoted.length >= 15, `only ${quoted.length} cases quoted`);
  const names = new Set(allCases.flatMap((rc) => rc.cases.map((c) => c.name)));
  for (const q of quoted) assert.ok(names.has(q), `coverage table quotes a case that does not exist: "${q}"`);
});
