// queuekit_celery.py (uploaded next to every worker's celeryconfig): the parts that need no broker, under Debian's
// Celery 5.2 / kombu 5.2 (scripts/test-deps.sh). The broker-facing parts are proven in test/e2e (publish, workers).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { templatesDir } from "../../infra/render/template";

interface Checks {
  prune: { left: number; same_list: boolean; next: number };
  gauge: { sent: number; left: number; reads: number; refused: string | null; is_response_error: boolean };
  unlimited: { reads: number };
}

const script = path.join(__dirname, "../../../test/unit/python/queuekit_celery_check.py");
const run = spawnSync("/usr/bin/python3", [script], {
  encoding: "utf8",
  env: { ...process.env, PYTHONPATH: `${templatesDir}/celery` },
});

describe("queuekit_celery", () => {
  const checks = (): Checks => {
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as Checks;
  };

  it("prune_cancelled drops a timer's cancelled entries in place and keeps the heap order", () => {
    assert.deepEqual(checks().prune, { left: 2, same_list: true, next: 10 });
  });

  it("MemoryGauge refuses the publish that would reach the headroom, with Redis' OOM wording", () => {
    const { gauge } = checks();
    const headroom = 2 * 2 ** 20;
    assert.ok(gauge.left >= headroom && gauge.left < headroom + 1000, `stopped ${gauge.left} bytes short`);
    assert.match(gauge.refused ?? "", /^OOM command not allowed when used memory > 'maxmemory' - queuekit's/);
    assert.equal(gauge.is_response_error, true, "kombu turns it into OperationalError like Redis' own refusal");
    assert.ok(gauge.reads < 40, `INFO read ${gauge.reads} times for ${gauge.sent} publishes`);
  });

  it("MemoryGauge never refuses a Redis without maxmemory, reading INFO about once a second", () => {
    assert.ok(checks().unlimited.reads <= 3);
  });
});
