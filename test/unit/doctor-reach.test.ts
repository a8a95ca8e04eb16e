// The doctor's broker reach: a connect from inside each running worker to Redis' alias, its script, how an answer
// reads, and the finding (a failure naming the address and the reason) in the whole diagnosis.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../infra/config/parse";
import { planMemory } from "../../infra/plan/planner";
import { diagnose, exitCodeOf } from "../../scripts/doctor/checks";
import { expectationsOf } from "../../scripts/doctor/expect";
import type { Runner } from "../../scripts/doctor/host";
import { gatherReach, reachFinding, reachOf, reachScript } from "../../scripts/doctor/reach";
import type { Facts } from "../../scripts/doctor/types";

const config = parseConfig({
  host: { memory: "2GiB", cpus: 2 },
  redis: { image: "queuekit/redis:7-local", port: 16379 },
  workers: [{ name: "default", image: "queuekit/celery-demo:local", app: "demo", queues: ["celery"] }],
});
const expect = expectationsOf("t", config, planMemory(config), {});
const worker = "qk-t-worker-default-0";

describe("doctor: a worker's reach of Redis", () => {
  it("connects from inside the worker to the stack-network alias and the configured port", () => {
    assert.equal(expect.redis.alias, "redis");
    assert.equal(expect.redis.port, 16379);
    const script = reachScript(worker, "redis", 16379);
    assert.match(script, /^docker exec 'qk-t-worker-default-0' python3 -c '.*create_connection.*' 'redis' 16379$/s);
    assert.match(script, /timeout=3/, "a dropped packet cannot hang the doctor");
  });

  it("reads exit 0 as reached, anything else as the first line of the reason", () => {
    assert.deepEqual(reachOf({ code: 0, stdout: "", stderr: "" }), { reached: true });
    assert.deepEqual(reachOf({ code: 1, stdout: "[Errno -2] Name or service not known\n", stderr: "" }), {
      reached: false,
      error: "[Errno -2] Name or service not known",
    });
    assert.deepEqual(reachOf({ code: 126, stdout: "", stderr: "OCI runtime exec failed\nmore\n" }), {
      reached: false,
      error: "OCI runtime exec failed",
    });
    assert.deepEqual(reachOf({ code: 137, stdout: "", stderr: "" }), { reached: false, error: "exit 137" });
  });

  it("asks each running worker once, through the runner", () => {
    const asked: string[] = [];
    const run: Runner = (script) => {
      asked.push(script);
      return script.includes("worker-b")
        ? { code: 1, stdout: "timed out\n", stderr: "" }
        : { code: 0, stdout: "", stderr: "" };
    };
    const reach = gatherReach(run, ["worker-a", "worker-b"], "redis", 6379);
    assert.equal(asked.length, 2);
    assert.deepEqual(Object.fromEntries(reach), {
      "worker-a": { reached: true },
      "worker-b": { reached: false, error: "timed out" },
    });
  });

  it("a worker that cannot reach Redis is a failure naming the address, the reason and where to look", () => {
    const ok = reachFinding(worker, "redis:16379", { reached: true });
    assert.deepEqual([ok.severity, ok.check, ok.measured], ["ok", "reaches Redis", "redis:16379"]);
    const cut = reachFinding(worker, "redis:16379", { reached: false, error: "[Errno -2] Name or service not known" });
    assert.deepEqual(
      [cut.severity, cut.subject, cut.check, cut.measured, cut.expected],
      ["failure", worker, "reaches Redis", "redis:16379: [Errno -2] Name or service not known", "redis:16379 connects"],
    );
    assert.match(cut.action, /cannot reach the broker.*NetworkSettings\.Networks.*qk-t-worker-default-0/);
  });

  it("in the diagnosis: one row per worker after its own rows; an unreached broker makes the exit 2", () => {
    const facts = (reached: boolean): Facts => ({
      host: {},
      engine: {},
      redis: { queueLengths: {} },
      now: 0,
      containers: [
        {
          name: worker,
          exists: true,
          status: "running",
          broker: reached ? { reached: true } : { reached: false, error: "timed out" },
        },
      ],
    });
    const rows = (reached: boolean) =>
      diagnose(expect, facts(reached)).filter((f) => f.subject === worker && f.check === "reaches Redis");
    assert.deepEqual(
      rows(true).map((f) => f.severity),
      ["ok"],
    );
    const cut = diagnose(expect, facts(false));
    assert.deepEqual(
      rows(false).map((f) => f.severity),
      ["failure"],
    );
    assert.equal(exitCodeOf(cut), 2);
  });
});
