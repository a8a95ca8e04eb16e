// The pack and the kit share one contract (policies/contract/): what a rule's text says about the kit names only
// numbers the kit really uses, and the pack's defaults are the contract's.
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rules } from "../rules";
import {
  COMPONENT_TOKENS,
  defaultReserve,
  EVICTION_SAFE_POLICIES,
  GiB,
  isPrivateAddress,
  MAXMEMORY_RATIO,
  MiB,
  RESERVE_FIXED_BYTES,
  RESERVE_SHARE,
} from "../contract";
import { TYPES } from "../lib/extract/resource";

/** The spellings of the numbers the kit's planner uses (the contract's). */
const KIT_NUMBERS = new Set([
  String(MAXMEMORY_RATIO),
  String(RESERVE_SHARE),
  `1/${1 / RESERVE_SHARE}`,
  `${RESERVE_FIXED_BYTES / MiB}MiB`,
  `${RESERVE_FIXED_BYTES / MiB} MiB`,
]);

/**
 * Numbers a text attributes to the kit: in each clause (split at `.`/`;`/parentheses) that names the kit or
 * its planner, every number that is not part of an address, a file name or a setting (`x=1`) must be one of the
 * kit's. Returns the ones that are not.
 */
export function numbersNotTheKits(text: string): string[] {
  const bad: string[] = [];
  for (const clause of text.split(/[;()]|\.\s/)) {
    if (!/\b(?:the kit|kit's|queuekit|planner)\b/i.test(clause)) continue;
    const cleaned = clause
      .replace(/`[^`]*`/g, " ") // code: a setting or command, not a figure
      .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, " ") // IPv4 addresses
      .replace(/[\w.-]+\.(?:md|ts|conf|json|yaml|yml)\b/g, " ") // file names
      .replace(/\b[\w.]+\s*=\s*\d+/g, " "); // key=value settings
    for (const m of cleaned.matchAll(/(?<![\w.])\d+(?:[./]\d+)?(?:\s?[KMG]iB)?(?![\w.])/g))
      if (!KIT_NUMBERS.has(m[0])) bad.push(m[0]);
  }
  return bad;
}

describe("the contract", () => {
  it("catches a remediation that quotes a ratio the planner does not use", () => {
    assert.deepEqual(numbersNotTheKits("Lower it (the kit's planner gives maxmemory 0.7 of the limit)."), ["0.7"]);
    assert.deepEqual(numbersNotTheKits("the kit's reserve: 384 MiB plus 1/8 of RAM"), ["384 MiB", "1/8"]);
    assert.deepEqual(numbersNotTheKits(`the kit's planner gives maxmemory ${MAXMEMORY_RATIO} of the limit`), []);
    assert.deepEqual(numbersNotTheKits("publish on 127.0.0.1 (queuekit's bind defaults to 127.0.0.1)"), []);
    assert.deepEqual(numbersNotTheKits("Docker's minimum is 6 MiB"), [], "a clause not about the kit");
  });

  it("no rule's text names a number the kit's planner does not use", () => {
    for (const r of rules) {
      const texts = [
        r.info.description,
        r.info.remediation,
        ...Object.values(r.info.config).map((c) => String(c.description ?? "")),
      ];
      for (const t of texts) assert.deepEqual(numbersNotTheKits(t), [], `${r.name}: ${t}`);
    }
  });

  it("the pack's defaults are the contract's", () => {
    const byName = new Map(rules.map((r) => [r.name, r.info]));
    const budget = byName.get("host-memory-budget")!.config;
    assert.equal(budget["reserveShare"]!.default, RESERVE_SHARE);
    assert.equal(budget["defaultReserve"]!.default, `${RESERVE_FIXED_BYTES / MiB}MiB`);
    assert.deepEqual(byName.get("redis-broker-eviction-safe")!.config["allowedPolicies"]!.default, [
      ...EVICTION_SAFE_POLICIES,
    ]);
    assert.match(byName.get("redis-maxmemory-within-container")!.remediation, new RegExp(`${MAXMEMORY_RATIO} of`));
    assert.equal(TYPES.redisBroker, COMPONENT_TOKENS.redisBroker);
    assert.equal(TYPES.vpsHost, COMPONENT_TOKENS.vpsHost);
    assert.equal(TYPES.workerPool, COMPONENT_TOKENS.workerPool);
  });

  it("reserve formula and address ranges", () => {
    assert.equal(defaultReserve(2 * GiB), 384 * MiB); // 256 MiB + 2 GiB / 16
    assert.equal(defaultReserve(1000 * MiB), 319 * MiB); // 256 + 62.5, up to whole MiB
    for (const ip of ["127.0.0.1", "::1", "10.1.2.3", "172.31.0.1", "192.168.0.9", "100.100.1.1", "fd12::1", "fc00::"])
      assert.ok(isPrivateAddress(ip), ip);
    // Link-local is not private (cloud metadata, links beyond the host's network); "fd::1" is 00fd::1.
    for (const ip of ["169.254.169.254", "fe80::1", "fd::1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1"])
      assert.ok(!isPrivateAddress(ip), ip);
  });
});
