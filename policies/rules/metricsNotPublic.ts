import { basename } from "../lib/parse/commandLine";
import { reportPublicExposure } from "../lib/ruleKit/exposure";
import { withoutRegistry } from "../lib/parse/imageRefs";
import { resourceRule } from "../lib/ruleKit/rule";
import { CONTAINER_TYPES, containersOf, where } from "../lib/ruleKit/subjects";
import { isKnown } from "../lib/parse/propertyValues";
import type { ContainerSpec } from "../lib/model/extraction";

// Image names (registry host stripped) and programs of the watchers this rule knows.
const WATCHERS: readonly [RegExp, string][] = [
  [/^(prometheus-)?redis[-_]exporter$/i, "the Redis exporter"],
  [/^celery[-_]exporter$/i, "the Celery exporter"],
  [/^flower$/i, "Flower (which can also revoke tasks and shut workers down)"],
];

// "oliver006/redis_exporter:v1.45.0" → "redis_exporter".
const imageName = (image: string): string => basename(withoutRegistry(image).replace(/[:@].*$/, ""));

/** Which watcher a container runs, by image or argv (`flower` also as `celery … flower`); undefined: none. */
function watcherOf(c: ContainerSpec): string | undefined {
  const names: string[] = [];
  if (isKnown(c.image) && c.image) names.push(imageName(c.image));
  if (isKnown(c.argv) && c.argv) names.push(...c.argv.filter((a) => !a.dynamic).map((a) => basename(a.text)));
  for (const [pattern, label] of WATCHERS) if (names.some((n) => pattern.test(n))) return label;
  return undefined;
}

export const metricsNotPublic = resourceRule<{ allowedHostIps: string[] }>(
  {
    name: "metrics-not-public",
    description:
      "A queue watcher (Redis exporter, Celery exporter, Flower) is not published on all host interfaces or a public address.",
    config: {
      allowedHostIps: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Extra host addresses watchers may be published on besides loopback and private ranges.",
      },
    },
    enforcementLevel: "advisory",
    severity: "high",
    remediation:
      "Publish the watcher on 127.0.0.1 or a private address only (docker.Container `ports[].ip`, `-p 127.0.0.1:9121:9121`), or not at all and let Prometheus scrape it on the Docker network; queuekit's `monitoring.bind` defaults to 127.0.0.1. An exporter's metrics name every queue and client and Redis' configuration; Flower can revoke tasks and shut workers down.",
    cis: { id: "5.14", title: "Ensure that incoming container traffic is bound to a specific host interface" },
    kics: { id: "451d79dc-0588-476a-ad03-3c7f0320abb3", title: "Container Traffic Not Bound To Host Interface" },
  },
  CONTAINER_TYPES,
  async (r, ctx) => {
    for (const c of await containersOf(r)) {
      const watcher = watcherOf(c);
      if (watcher === undefined) continue;
      const at = { ...c, origin: where(c) };
      reportPublicExposure(ctx, at, { name: watcher, possessive: "its own port" }, ctx.config.allowedHostIps);
    }
  },
);
