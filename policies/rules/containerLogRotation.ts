import { classify } from "../lib/model/deliveredFiles";
import { resourceRule, reportedUnknown } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, extractionOf, where } from "../lib/ruleKit/subjects";
import { isKnown, isRecord } from "../lib/parse/propertyValues";

/** Drivers that keep logs on the host's disk and need max-size to be bounded. */
const FILE_DRIVERS = new Set(["json-file"]);

export const containerLogRotation = resourceRule<{ trustDaemonDefaults: boolean }>(
  {
    name: "container-log-rotation",
    description:
      "Container logs are rotated: json-file with max-size (or a driver that rotates itself: local, journald, syslog…), also in a delivered daemon.json.",
    config: {
      trustDaemonDefaults: {
        type: "boolean",
        default: false,
        description:
          "Accept containers that set no log driver, trusting the engine's daemon.json to rotate (the kit's VpsHost writes one).",
      },
    },
    enforcementLevel: "advisory",
    severity: "low",
    remediation:
      'Set `logDriver: "json-file"` with `logOpts: { "max-size": "10m", "max-file": "3" }` (`--log-opt max-size=10m`, compose `logging.options`), or use the `local` driver; in daemon.json set "log-opts": {"max-size": …}. An unrotated json-file log of a chatty worker fills a small VPS\'s disk, and Redis then fails its next RDB/AOF write.',
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    const ex = await extractionOf(r);
    for (const c of ex.containers) {
      if (c.kind === "cli" && c.script === "delete") continue;
      if (reportedUnknown(ctx, c.logDriver, `${where(c)}: the log driver`)) continue;
      if (c.logDriver === undefined && ctx.config.trustDaemonDefaults) continue;
      const driver = c.logDriver ?? "json-file";
      if (!FILE_DRIVERS.has(driver)) continue;
      if (reportedUnknown(ctx, c.logOpts, `${where(c)}: the log options`)) continue;
      if (!c.logOpts?.["max-size"])
        ctx.violation(
          `${where(c)}: ${c.logDriver === undefined ? "no log driver set (Docker's default json-file)" : "json-file logs"} without max-size grow without bound.`,
        );
    }
    for (const f of ex.files) {
      if (!isKnown(f.content) || classify(f.path, f.content) !== "daemon-json") continue;
      let json: unknown;
      try {
        json = JSON.parse(f.content);
      } catch (e) {
        ctx.violation(`${f.path}: not valid JSON (${(e as Error).message}); dockerd will not start with it.`);
        continue;
      }
      if (!isRecord(json)) continue;
      const driver = typeof json["log-driver"] === "string" ? json["log-driver"] : "json-file";
      const opts = isRecord(json["log-opts"]) ? json["log-opts"] : {};
      if (FILE_DRIVERS.has(driver) && !opts["max-size"])
        ctx.violation(`${f.path}: the engine's default ${driver} logs have no max-size.`);
    }
  },
);
