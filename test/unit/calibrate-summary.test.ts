// npm run calibrate: from the probe's run records to the profile and its summary table (pure).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { profileSchema } from "../../infra/config/profile";
import { parseSamples } from "../../scripts/calibrate/samples";
import {
  buildProfile,
  formatSummary,
  idleFigures,
  median,
  type RunRecord,
  summariseTask,
} from "../../scripts/calibrate/summary";

const MiB = 2 ** 20;
const run = (index: number, task: string, rise: number, seconds: number, cpuSeconds = 0.01): RunRecord => ({
  index,
  task,
  pid: 100 + Math.round(seconds * 1000),
  ppid: 1,
  rssBefore: 36 * MiB,
  peakAfter: 36 * MiB + rise,
  seconds,
  cpuSeconds,
  ussAfter: 8 * MiB,
});

describe("calibrate summary", () => {
  it("median of odd and even counts, whatever the order", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]));
  });

  it("one task: max rise, median and max seconds, median CPU, message bytes rounded up", () => {
    const t = summariseTask(
      [run(0, "t", 2 * MiB, 1.2, 0.2), run(0, "t", 5 * MiB, 1.0, 0.1), run(0, "t", MiB, 1.1, 0.3)],
      915.3,
    );
    assert.deepEqual(t, {
      samples: 3,
      peakBytes: 5 * MiB,
      seconds: { median: 1.1, max: 1.2 },
      cpuSeconds: 0.2,
      messageBytes: 916,
    });
  });

  it("idle worker: the larger of the cold (at start) and warm (after the runs) readings, figure by figure", () => {
    const cold = { parentRss: 40 * MiB, childRss: 35 * MiB, childUss: 10 * MiB };
    const warm = { parentRss: 42 * MiB, childRss: 36 * MiB, childUss: 6 * MiB };
    assert.deepEqual(idleFigures(cold, warm), {
      parentRssBytes: 42 * MiB,
      childRssBytes: 36 * MiB,
      childUssBytes: 10 * MiB,
    });
  });

  it("a rise below zero (approximate kernel counters) counts as zero", () => {
    const r = { ...run(0, "t", 0, 0.01), peakAfter: 36 * MiB - 4096 };
    assert.equal(summariseTask([r], 900).peakBytes, 0);
  });

  it("merges calls of the same task: max peak over all, median of all runs, largest message", () => {
    const samples = parseSamples(
      "image: i\napp: a\ncalls:\n  - {task: a.x, repeat: 2}\n  - {task: a.y}\n  - {task: a.x, kwargs: {n: 9}}\n",
      "s.yaml",
    );
    const runs = [run(0, "a.x", MiB, 1), run(0, "a.x", MiB, 3), run(1, "a.y", 2 * MiB, 0.5), run(2, "a.x", 9 * MiB, 2)];
    const messages = [
      { index: 0, bytes: 900 },
      { index: 1, bytes: 800.2 },
      { index: 2, bytes: 950 },
    ];
    const worker = { parentRssBytes: 42 * MiB, childUssBytes: 6 * MiB, childRssBytes: 36 * MiB };
    const p = buildProfile({ samples, measuredAt: new Date("2026-12-03T07:00:00Z"), worker, runs, messages });
    assert.equal(profileSchema.safeParse(p).success, true);
    assert.equal(p.measuredAt, "2026-12-03T07:00:00.000Z");
    assert.deepEqual(Object.keys(p.tasks), ["a.x", "a.y"]);
    assert.deepEqual(p.tasks["a.x"], {
      samples: 3,
      peakBytes: 9 * MiB,
      seconds: { median: 2, max: 3 },
      cpuSeconds: 0.01,
      messageBytes: 950,
    });
    assert.equal(p.tasks["a.y"].messageBytes, 801);
  });

  it("refuses to build a profile the planner would refuse (a worker size of 0)", () => {
    const samples = parseSamples("image: i\napp: a\ncalls: [{task: a.x}]\n", "s.yaml");
    const worker = { parentRssBytes: 0, childUssBytes: 6 * MiB, childRssBytes: 36 * MiB };
    assert.throws(
      () =>
        buildProfile({
          samples,
          measuredAt: new Date(),
          worker,
          runs: [run(0, "a.x", 1, 1)],
          messages: [{ index: 0, bytes: 900 }],
        }),
      /invalid profile/,
    );
  });

  it("prints one row per task in MiB and seconds, and the config command", () => {
    const samples = parseSamples("image: img:1\napp: a\ncalls: [{task: a.x}]\n", "s.yaml");
    const worker = { parentRssBytes: 42 * MiB, childUssBytes: 6 * MiB, childRssBytes: 36 * MiB };
    const p = buildProfile({
      samples,
      measuredAt: new Date(),
      worker,
      runs: [run(0, "a.x", 150 * MiB, 1.234, 0.2)],
      messages: [{ index: 0, bytes: 990 }],
    });
    const text = formatSummary(p, "profiles/a.json");
    assert.match(text, /main process RSS 42\.0 MiB; idle child USS 6\.0 MiB, RSS 36\.0 MiB/);
    assert.match(
      text,
      /task +samples +peak MiB +median s +max s +CPU s +message B\na\.x +1 +150\.0 +1\.234 +1\.234 +0\.200 +990/,
    );
    assert.match(text, /pulumi config set --path 'queuekit:workers\[0\]\.profile' profiles\/a\.json$/);
  });
});
