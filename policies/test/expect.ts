import * as assert from "node:assert/strict";
import type { Finding } from "./direct";
import type { Case } from "./cases/types";

/** The findings of `policy` are exactly the expected ones: one per pattern, each at the expected level. */
export function assertFindings(policy: string, c: Case, all: readonly Finding[], defaultLevel: Finding["level"]): void {
  const findings = all.filter((f) => f.policy === policy);
  const show = (): string =>
    findings.map((f) => `- (${f.level}) ${f.message.split("\n").slice(1).join(" ") || f.message}`).join("\n") ||
    "(none)";
  if (c.expect.length === 0) {
    assert.equal(findings.length, 0, `${policy} / ${c.name}: expected no violation, got:\n${show()}`);
    return;
  }
  assert.equal(
    findings.length,
    c.expect.length,
    `${policy} / ${c.name}: expected ${c.expect.length} violation(s), got:\n${show()}`,
  );
  const left = [...findings];
  for (const re of c.expect) {
    const i = left.findIndex((f) => re.test(f.message));
    assert.ok(i >= 0, `${policy} / ${c.name}: no violation matches ${re}; got:\n${show()}`);
    const [f] = left.splice(i, 1);
    assert.equal(f!.level, c.level ?? defaultLevel, `${policy} / ${c.name}: level`);
  }
}
