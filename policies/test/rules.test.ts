// Unit specs: every rule's cases with raw objects, calling validateResource/validateStack directly.
import { describe, it } from "node:test";
import { allCases } from "./cases";
import { runDirect } from "./direct";
import { assertFindings } from "./expect";

for (const { rule, cases } of allCases) {
  describe(`${rule.name} (raw objects)`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const findings = await runDirect(rule, c.fixtures, c.config);
        assertFindings(rule.name, c, findings, rule.info.enforcementLevel);
      });
    }
  });
}
