// `npm run plan -- --stack local | --config file.yaml | --preset 2GiB`: print the memory plan as a
// table and write its picture to out/plan-<name>.svg. Exits 1 with the reasons on a bad config.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../infra/config/errors";
import { isRecord, parseConfig } from "../infra/config/parse";
import { plainTextSecrets } from "../infra/config/plainSecrets";
import { NAMESPACE, rawFromEntries } from "../infra/config/raw";
import { isPresetName, PRESET_NAMES, PRESETS } from "../infra/config/presets";
import { PlanError } from "../infra/plan/errors";
import { growthOf, renderGrowthTable } from "../infra/plan/grow";
import { planHosts, renderHostsSvg, renderHostsTable } from "../infra/plan/hosts";

const USAGE = `usage: npm run plan -- --stack <name> | --config <file.yaml|file.json> | --preset <${PRESET_NAMES.join("|")}> [--profile <profiles/app.json>]`;

class UsageError extends Error {}

interface Source {
  readonly name: string;
  readonly title: string;
  readonly raw: unknown;
  /** Where the config's relative paths (profiles) are read from. */
  readonly baseDir: string;
}

function optionsOf(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        config: { type: "string" },
        preset: { type: "string" },
        profile: { type: "string" },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
}

function sourceOf(argv: string[]): Source {
  const { profile, ...values } = optionsOf(argv);
  const source = sourceFrom(values);
  return profile === undefined ? source : withProfile(source, profile);
}

// --profile: every pool of the config is sized from that measured profile (paths as given on the command line).
function withProfile(source: Source, profile: string): Source {
  const raw = isRecord(source.raw) ? source.raw : {};
  const workers = Array.isArray(raw.workers) ? raw.workers : (presetWorkers(raw.preset) ?? []);
  const file = relative(source.baseDir, resolve(profile));
  return {
    ...source,
    title: `${source.title}, profile ${profile}`,
    raw: { ...raw, workers: workers.map((w) => (isRecord(w) ? { ...w, profile: file } : w)) },
  };
}

const presetWorkers = (preset: unknown): unknown[] | undefined =>
  isPresetName(preset) ? [...(PRESETS[preset].workers as unknown[])] : undefined;

function sourceFrom(values: { stack?: string; config?: string; preset?: string }): Source {
  const given = Object.entries(values).filter(([, v]) => v !== undefined);
  if (given.length !== 1) throw new UsageError(`give exactly one of --stack, --config, --preset\n${USAGE}`);
  const [[option, value]] = given as [string, string][];
  if (option === "preset")
    return { name: value, title: `preset ${value}`, raw: { preset: value }, baseDir: process.cwd() };
  const file = option === "stack" ? `Pulumi.${value}.yaml` : value;
  const name = option === "stack" ? value : basename(file, extname(file));
  const doc = readDocument(file);
  // The same refusal as pulumi up: a secret in clear text in the file is a leak, whatever the plan says.
  const clear = isRecord(doc) ? plainTextSecrets(doc.config, NAMESPACE, basename(file)) : [];
  if (clear.length) throw new ConfigError(clear);
  return {
    name,
    title: `${option} ${value}`,
    raw: rawOf(doc),
    baseDir: dirname(resolve(file)),
  };
}

function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${resolve(file)}\n${USAGE}`);
  }
  return parseYaml(text); // YAML 1.2 is a superset of JSON: one parser for both.
}

// A Pulumi stack file holds `config: {queuekit:host: …}`; a plain file is the config object itself.
function rawOf(doc: unknown): unknown {
  if (!isRecord(doc) || !("config" in doc)) return doc;
  return isRecord(doc.config) ? rawFromEntries(doc.config) : {};
}

function main(argv: string[]): number {
  try {
    const source = sourceOf(argv);
    const config = parseConfig(source.raw, source.baseDir);
    const hosts = planHosts(config);
    console.log(renderHostsTable(hosts, source.title));
    console.log(`\n${renderGrowthTable(growthOf(config, hosts))}`);
    mkdirSync("out", { recursive: true });
    const path = join("out", `plan-${source.name}.svg`);
    writeFileSync(path, renderHostsSvg(hosts, source.title));
    console.log(`\nwrote ${path}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PlanError) {
      console.error(error.message);
      return 1;
    }
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
