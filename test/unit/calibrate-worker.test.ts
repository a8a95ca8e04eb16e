// npm run calibrate: the worker it starts is rendered by the kit's own renderers, with one fresh child per run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { templatesDir } from "../../infra/render/template";
import { describe, it } from "node:test";
import { parseSamples } from "../../scripts/calibrate/samples";
import { CALIBRATE_QUEUE, calibrationArgv, calibrationConfig, PROBE_MODULE } from "../../scripts/calibrate/worker";

const samples = parseSamples(
  "image: app:1\napp: proj.celery\nserializer: msgpack\ntimeoutSeconds: 60\ncalls: [{task: proj.x}]\n",
  "s.yaml",
);
const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

describe("calibrate worker", () => {
  it("argv: the app, prefork, one child that runs one task, its own queue, the probe included", () => {
    const argv = calibrationArgv(samples, "calibrate@w");
    assert.deepEqual(argv.slice(0, 6), ["python3", "-m", "celery", "-A", "proj.celery", "worker"]);
    assert.equal(flag(argv, "--pool"), "prefork");
    assert.equal(flag(argv, "--concurrency"), "1");
    assert.equal(flag(argv, "--max-tasks-per-child"), "1");
    assert.equal(flag(argv, "-Q"), CALIBRATE_QUEUE);
    assert.equal(flag(argv, "--include"), PROBE_MODULE);
    assert.ok(Number(flag(argv, "--max-memory-per-child")) >= 64 * 2 ** 20, "never recycled for its size (KiB)");
  });

  it("celeryconfig: the throw-away broker, the samples' serializer, the run timeout as time limit; Python imports it", () => {
    const config = calibrationConfig(samples, "redis://:pw@qk-calibrate-1-redis:6379/0");
    assert.match(config, /^broker_url = "redis:\/\/:pw@qk-calibrate-1-redis:6379\/0"$/m);
    assert.match(config, /^task_serializer = "msgpack"$/m);
    assert.match(config, /^task_time_limit = 60$/m);
    // Debian's Python has Celery (scripts/test-deps.sh); queuekit_celery ships next to the config.
    const py = spawnSync("/usr/bin/python3", ["-c", "import sys; exec(sys.stdin.read())"], {
      input: config,
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: `${templatesDir}/celery` },
    });
    assert.equal(py.status, 0, py.stderr);
  });
});
