// `npm run calibrate -- --samples <file> [--out <profile.json>]`: measure a Celery app in its own image on
// the local Docker engine and write its profile (infra/config/profile.ts). Exits 1 with the reason on bad input.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { defaultOut, optionsOf, USAGE } from "./args";
import { removeLabelled } from "./docker";
import { CalibrateError, parseSamples } from "./samples";
import { calibrate, namesFor } from "./session";
import { formatSummary } from "./summary";

const log = (line: string) => process.stderr.write(`[calibrate] ${line}\n`);

async function main(argv: readonly string[]): Promise<void> {
  const options = optionsOf(argv);
  let text: string;
  try {
    text = readFileSync(options.samples, "utf8");
  } catch {
    throw new CalibrateError(`--samples: cannot read ${path.resolve(options.samples)}\n${USAGE}`);
  }
  const samples = parseSamples(text, options.samples);
  const out = options.out ?? defaultOut(samples.app);
  const profile = await calibrate(samples, log);
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(profile, null, 2)}\n`);
  process.stdout.write(`${formatSummary(profile, out)}\n`);
}

// Ctrl-C or a kill while containers run: remove them before exiting (the session's own cleanup may not get to run).
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: removing the throw-away containers and network`);
    void removeLabelled(namesFor(process.pid).label).finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof CalibrateError ? error.message : ((error as Error).stack ?? String(error));
  process.stderr.write(`calibrate: ${message}\n`);
  process.exitCode = 1;
});
