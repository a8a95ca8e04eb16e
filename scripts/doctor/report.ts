// The doctor's findings shown: a table for people, JSON for machines.
import { type Growth, renderGrowthTable } from "../../infra/plan/grow";
import { textTable } from "../../infra/plan/textTable";
import type { Finding } from "./types";

const MARK: Readonly<Record<Finding["severity"], string>> = { ok: "ok", warning: "WARN", failure: "FAIL" };

export interface Report {
  readonly stack: string;
  readonly target: string;
  readonly exitCode: 0 | 1 | 2;
  readonly findings: readonly Finding[];
  /** Which limit the stack is closest to with its load now, and what one more host would change. */
  readonly growth?: Growth;
}

/** One row per finding, in the order found: the stack, the host, Redis, each container, each queue. */
export function renderTable(report: Report): string {
  const rows = report.findings.map((f) => [MARK[f.severity], f.subject, f.check, f.measured, f.expected, f.action]);
  const n = (severity: Finding["severity"]) => report.findings.filter((f) => f.severity === severity).length;
  const counts = [`${n("failure")} failed`, `${n("warning")} warned`, `${n("ok")} ok`];
  return [
    `queuekit doctor — stack ${report.stack} on ${report.target}`,
    "",
    textTable(["", "thing", "check", "measured", "expected", "what to do"], rows, ["l", "l", "l", "l", "l", "l"]),
    "",
    `${counts.join(", ")} — exit ${report.exitCode}`,
    ...(report.growth ? ["", renderGrowthTable(report.growth)] : []),
  ].join("\n");
}

export const renderJson = (report: Report): string => JSON.stringify(report, null, 2);
