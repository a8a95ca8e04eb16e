// `npm run doctor --json` on a test stack, and the ways the fault tests read its report.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { Report } from "../../scripts/doctor/report";
import type { Finding } from "../../scripts/doctor/types";
import { repo, type TestStack } from "./harness";

export type DoctorRun = Report & { code: number };

export function doctorJson(stack: TestStack): DoctorRun {
  const r = spawnSync("node", [path.join(repo, "dist/scripts/doctor/main.js"), "--stack", stack.name, "--json"], {
    cwd: repo,
    env: { ...process.env, ...stack.env },
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.ok(r.stdout.trim().startsWith("{"), `doctor --json printed JSON: ${r.stdout}${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Report), code: r.status ?? -1 };
}

/** "FAIL qk-…-redis state: exited" for each finding that is not ok. */
export const problems = (report: Report): string[] =>
  report.findings
    .filter((f) => f.severity !== "ok")
    .map((f) => `${f.severity === "failure" ? "FAIL" : "WARN"} ${f.subject} ${f.check}: ${f.measured}`);

export const findingOf = (report: Report, subject: string, check: string): Finding | undefined =>
  report.findings.find((f) => f.subject === subject && f.check === check);

/** Prints what the doctor named (the figures docs/runbook.md quotes). */
export function showDoctor(fault: string, report: DoctorRun): void {
  console.log(
    `# ${fault}: doctor exit ${report.code}\n${problems(report)
      .map((p) => `#   ${p}`)
      .join("\n")}`,
  );
}
