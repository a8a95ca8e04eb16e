// The same cases through the path the engine uses: the pack's compiled main served by run-policy-pack, fed
// Analyze/AnalyzeStack requests built the way the engine builds them (protobuf Structs with unknown
// sentinels, secret and asset signatures), configured through the Configure RPC.
import * as assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AnalyzerClient } from "./analyzerClient";
import { allCases } from "./cases";
import { assertFindings } from "./expect";
import {
  container,
  copyToRemote,
  redisContainer,
  remoteCommand,
  secret,
  stringAsset,
  unknown,
  vpsHost,
} from "./fixtures";

let analyzer: AnalyzerClient;
before(async () => {
  analyzer = await AnalyzerClient.start();
});
after(() => analyzer?.stop());

for (const { rule, cases } of allCases) {
  describe(`${rule.name} (analyzer server)`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        await analyzer.configure(c.config ? { [rule.name]: c.config } : {});
        // A resource rule's stack phase (reading across resources) runs at AnalyzeStack, as in a preview.
        const findings =
          "validateStack" in rule && "validateResource" in rule
            ? await analyzer.preview(c.fixtures)
            : "validateStack" in rule
              ? await analyzer.analyzeStack(c.fixtures)
              : (await Promise.all(c.fixtures.map((f) => analyzer.analyze(f)))).flat();
        assertFindings(rule.name, c, findings, rule.info.enforcementLevel);
      });
    }
  });
}

describe("the pack as the engine sees it", () => {
  it("GetAnalyzerInfo lists every rule with its level, config defaults and remediation", async () => {
    const infos = await analyzer.info();
    assert.equal(infos.length, allCases.length);
    for (const p of infos) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, "kebab-case name");
      assert.ok(p.description.length > 20, `${p.name}: description`);
      assert.ok(p.remediation.length > 40, `${p.name}: remediation`);
      assert.ok(p.enforcementLevel === "mandatory" || p.enforcementLevel === "advisory", `${p.name}: level`);
      assert.ok("onUnknown" in p.configSchema, `${p.name}: onUnknown`);
      for (const [k, s] of Object.entries(p.configSchema))
        assert.ok(s.default !== undefined, `${p.name}.${k} has a default`);
    }
    const byName = new Map(infos.map((p) => [p.name, p]));
    assert.equal(byName.get("host-memory-budget")!.type, "stack");
    assert.deepEqual(byName.get("container-memory-limit")!.framework, {
      name: "CIS Docker Benchmark",
      version: "1.6.0",
      reference: "5.11",
      specification: "Ensure that the memory usage for containers is limited",
    });
    assert.ok(byName.get("container-memory-limit")!.tags.includes("kics:bb9ac4f7-e13b-423d-a010-c74a1bfbe492"));
  });

  it("an unknown value decides a mandatory rule: reported as mandatory, not the SDK's advisory 'cannot run during preview'", async () => {
    await analyzer.configure({});
    const findings = await analyzer.analyze(container("c", { memory: unknown() }));
    const f = findings.find((d) => d.policy === "container-memory-limit");
    assert.equal(f?.level, "mandatory");
    assert.doesNotMatch(f!.message, /can't run policy/);
  });

  it("a secret redis.conf upload is read (secrets arrive wrapped; the SDK unwraps them)", async () => {
    await analyzer.configure({});
    const findings = await analyzer.analyze(redisContainer("redis", {}, "appendonly yes\n"));
    assert.ok(findings.some((d) => d.policy === "redis-maxmemory-set"));
    assert.deepEqual(await analyzer.analyze(redisContainer("redis")), []);
  });

  it("an unknown nested inside a secret, inside a list, is still an unknown", async () => {
    await analyzer.configure({});
    const findings = await analyzer.analyze(
      redisContainer("redis", { uploads: [{ file: "/usr/local/etc/redis/redis.conf", content: secret(unknown()) }] }),
    );
    assert.ok(
      findings.some(
        (d) => d.policy === "redis-maxmemory-set" && d.level === "mandatory" && /not known/.test(d.message),
      ),
    );
  });

  it("a rule disabled through the pack config reports nothing", async () => {
    await analyzer.configure({ "container-memory-limit": { enforcementLevel: "disabled" } });
    const findings = await analyzer.analyze(container("c", { memory: undefined }));
    assert.ok(!findings.some((d) => d.policy === "container-memory-limit"));
    await analyzer.configure({});
  });

  it("a rule raised to mandatory through the pack config", async () => {
    await analyzer.configure({ "container-healthcheck": { enforcementLevel: "mandatory" } });
    const findings = await analyzer.analyze(container("c", { healthcheck: undefined }));
    assert.equal(findings.find((d) => d.policy === "container-healthcheck")?.level, "mandatory");
    await analyzer.configure({});
  });

  it("stack rules use a VpsHost's analyzed inputs when its registered outputs lack the summary", async () => {
    await analyzer.configure({});
    const host = vpsHost("host-fallback", { memoryBytes: 1024 * 2 ** 20, reserveBytes: 256 * 2 ** 20 });
    await analyzer.analyze(host); // Analyze sees the component's inputs
    const outputs = { ...host, props: { steps: {} } }; // AnalyzeStack sees what registerOutputs gave
    const findings = await analyzer.analyzeStack([outputs, redisContainer("redis"), redisContainer("redis-2")]);
    assert.ok(
      findings.some(
        (d) => d.policy === "host-memory-budget" && /exceed its 1 GiB of RAM \(from VpsHost\)/.test(d.message),
      ),
      JSON.stringify(findings),
    );
    assert.ok(!findings.some((d) => d.policy === "host-overcommit-for-redis"));
  });

  it("QUEUEKIT_POLICY_STRICT=1 in the pack's environment: what it cannot read is mandatory, in every rule", async () => {
    process.env["QUEUEKIT_POLICY_STRICT"] = "1";
    const strict = await AnalyzerClient.start().finally(() => delete process.env["QUEUEKIT_POLICY_STRICT"]);
    try {
      const infos = await strict.info();
      assert.ok(infos.every((p) => (p.configSchema["strict"] as { default?: unknown }).default === true));
      const findings = await strict.preview([remoteCommand("deploy", "bash /srv/deploy.sh"), redisContainer("redis")]);
      const levels = (policy: string) => findings.filter((d) => d.policy === policy).map((d) => d.level);
      assert.deepEqual(levels("settings-inspectable"), ["mandatory"]);
      assert.deepEqual(levels("host-overcommit-for-redis"), ["mandatory"]);
      assert.deepEqual(levels("host-thp-for-redis"), ["mandatory"]);
      // The same preview without the switch: all advisory.
      await analyzer.configure({});
      const relaxed = await analyzer.preview([remoteCommand("deploy", "bash /srv/deploy.sh"), redisContainer("redis")]);
      assert.deepEqual(
        relaxed.map((d) => [d.policy, d.level]),
        [
          ["settings-inspectable", "advisory"],
          ["host-overcommit-for-redis", "advisory"],
          ["host-thp-for-redis", "advisory"],
        ],
      );
    } finally {
      strict.stop();
    }
  });

  it("a safe VPS stack whose compose file and redis.conf are copied by two resources: no finding from any rule", async () => {
    await analyzer.configure({});
    const host = "198.51.100.20";
    const compose = [
      "services:",
      "  redis:",
      "    image: redis:7.2",
      '    command: ["redis-server", "/etc/redis/redis.conf"]',
      '    volumes: ["./redis.conf:/etc/redis/redis.conf:ro", "data:/data"]',
      "    mem_limit: 256m",
      "    memswap_limit: 256m",
      '    ports: ["127.0.0.1:6379:6379"]',
      "    restart: unless-stopped",
      '    healthcheck: { test: ["CMD", "redis-cli", "ping"] }',
      '    logging: { driver: local, options: { max-size: "10m" } }',
      "    read_only: true",
      "    cap_drop: [ALL]",
      '    security_opt: ["no-new-privileges:true"]',
      "    pids_limit: 64",
      "    cpu_shares: 2048",
      '    user: "999:999"',
      "volumes: { data: {} }",
    ].join("\n");
    const findings = await analyzer.preview([
      vpsHost("vps", {
        memoryBytes: 1024 * 2 ** 20,
        connection: { kind: "ssh", host, port: 22, user: "root" },
      }),
      copyToRemote("compose", "/srv/q/compose.yml", stringAsset(compose), host),
      copyToRemote("conf", "/srv/q/redis.conf", stringAsset("maxmemory 100mb\nrequirepass x\nappendonly yes\n"), host),
      remoteCommand("up", "cd /srv/q && docker compose up -d --wait", host),
    ]);
    assert.deepEqual(findings, []);
  });

  it("a whole safe preview (Analyze of each resource, then AnalyzeStack) has no findings", async () => {
    await analyzer.configure({});
    const findings = await analyzer.preview([vpsHost("host"), redisContainer("redis")]);
    assert.deepEqual(findings, []);
  });
});
