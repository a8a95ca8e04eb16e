// `npm run doctor -- [--stack <name>] [--json] [--queue-warn <n>]`: checks a deployed stack — its host settings,
// Redis, each container and queue — against its plan. Exit 0 all ok, 1 warnings, 2 failures or bad input.
import { parseArgs } from "node:util";
import { ConfigError } from "../../infra/config/errors";
import { PlanError } from "../../infra/plan/errors";
import { growthOf } from "../../infra/plan/grow";
import { planHosts } from "../../infra/plan/hosts";
import { diagnose, exitCodeOf } from "./checks";
import { expectationsOf } from "./expect";
import { EngineError, gatherFacts } from "./gather";
import { measuredLoadOf } from "./growth";
import { localRunner, sshRunner } from "./host";
import { renderJson, renderTable, type Report } from "./report";
import { configAndPlan, DoctorError, sshKeyFile, stackOutputs } from "./stack";

const USAGE = "usage: npm run doctor -- [--stack <name>] [--json] [--queue-warn <messages>]";

function optionsOf(argv: readonly string[]) {
  let values;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        json: { type: "boolean", default: false },
        "queue-warn": { type: "string" },
      },
    }).values;
  } catch (error) {
    throw new DoctorError(`${(error as Error).message}\n${USAGE}`);
  }
  const queueWarn = values["queue-warn"];
  if (queueWarn !== undefined && !/^\d+$/.test(queueWarn))
    throw new DoctorError(`--queue-warn: got "${queueWarn}" — give a whole number of messages\n${USAGE}`);
  return {
    stack: values.stack ?? process.env.QUEUEKIT_STACK ?? "local",
    json: values.json ?? false,
    queueWarn: queueWarn === undefined ? undefined : Number(queueWarn),
  };
}

function doctor(argv: readonly string[]): number {
  const options = optionsOf(argv);
  const { config, plan, dockerHost } = configAndPlan(options.stack);
  const outputs = stackOutputs(options.stack);
  const expect = expectationsOf(options.stack, config, plan, outputs, { queueWarn: options.queueWarn });
  const connection = config.host.connection;
  const key = connection.kind === "ssh" ? sshKeyFile(options.stack) : undefined;
  try {
    const run = connection.kind === "ssh" ? sshRunner(connection, key?.file) : localRunner(dockerHost);
    const facts = gatherFacts(run, expect);
    const findings = diagnose(expect, facts);
    const growth = growthOf(config, planHosts(config), measuredLoadOf(facts.redis));
    const report: Report = {
      stack: options.stack,
      target: expect.target,
      exitCode: exitCodeOf(findings),
      findings,
      growth,
    };
    console.log(options.json ? renderJson(report) : renderTable(report));
    return report.exitCode;
  } finally {
    key?.remove();
  }
}

function main(argv: readonly string[]): number {
  try {
    return doctor(argv);
  } catch (error) {
    const known =
      error instanceof DoctorError ||
      error instanceof EngineError ||
      error instanceof ConfigError ||
      error instanceof PlanError;
    // Anything else is a bug of the doctor: its stack, and still exit 2 (1 means warnings).
    console.error(`doctor: ${known ? error.message : ((error as Error).stack ?? String(error))}`);
    return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
