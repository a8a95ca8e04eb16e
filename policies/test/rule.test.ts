// The rule wrapper: defaults applied without the engine, a failing check reported rather than thrown.
import * as assert from "node:assert/strict";
import { it } from "node:test";
import { resourceRule } from "../lib/ruleKit/rule";
import { runDirect } from "./direct";
import { container } from "./fixtures";

const info = {
  name: "test-rule",
  description: "A rule for testing the wrapper.",
  config: { limit: { type: "number" as const, default: 7 } },
  enforcementLevel: "mandatory" as const,
  severity: "low" as const,
  remediation: "None.",
};

it("applies the schema's defaults when the engine sends no config", async () => {
  const seen: unknown[] = [];
  const rule = resourceRule<{ limit: number }>(
    info,
    ["docker:index/container:Container"],
    (_r, ctx) => void seen.push(ctx.config),
  );
  await runDirect(rule, [container("c")]);
  await runDirect(rule, [container("c")], { limit: 9 });
  assert.deepEqual(seen, [
    { limit: 7, onUnknown: "fail", strict: false },
    { limit: 9, onUnknown: "fail", strict: false },
  ]);
});

it("QUEUEKIT_POLICY_STRICT=1 makes strict the default of every rule; a rule's own config still wins", async () => {
  const seen: unknown[] = [];
  const rule = resourceRule<{ limit: number }>(
    info,
    ["docker:index/container:Container"],
    (_r, ctx) => void seen.push(ctx.config.strict),
  );
  process.env["QUEUEKIT_POLICY_STRICT"] = "1";
  try {
    await runDirect(rule, [container("c")]);
    await runDirect(rule, [container("c")], { strict: false });
  } finally {
    delete process.env["QUEUEKIT_POLICY_STRICT"];
  }
  await runDirect(rule, [container("c")]);
  assert.deepEqual(seen, [true, false, false]);
});

it("reports a check that throws as a violation at the rule's level", async () => {
  const rule = resourceRule(info, ["docker:index/container:Container"], () => {
    throw new Error("boom");
  });
  const findings = await runDirect(rule, [container("c")]);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]!.level, "mandatory");
  assert.match(findings[0]!.message, /could not evaluate this resource \(boom\)/);
});

it("skips resource types it does not read", async () => {
  const rule = resourceRule(info, ["command:local:Command"], () => {
    throw new Error("must not run");
  });
  assert.deepEqual(await runDirect(rule, [container("c")]), []);
});
