// The command line of `npm run calibrate`: pure, so it is unit-tested.
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CalibrateError } from "./samples";

export const USAGE = "usage: npm run calibrate -- --samples <file.yaml|file.json> [--out <profile.json>]";

export interface Options {
  readonly samples: string;
  readonly out?: string;
}

export function optionsOf(argv: readonly string[]): Options {
  let values: { samples?: string; out?: string };
  try {
    values = parseArgs({ args: [...argv], options: { samples: { type: "string" }, out: { type: "string" } } }).values;
  } catch (error) {
    throw new CalibrateError(`${(error as Error).message}\n${USAGE}`);
  }
  if (!values.samples) throw new CalibrateError(`--samples is required\n${USAGE}`);
  return { samples: values.samples, out: values.out };
}

/** The default output: profiles/<app>.json, the app's dots kept (proj.celery → profiles/proj.celery.json). */
export const defaultOut = (app: string): string => path.join("profiles", `${app.replace(/[^\w.-]/g, "_")}.json`);
