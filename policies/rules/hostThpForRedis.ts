import { THP } from "../lib/model/deliveredFiles";
import { describeHost } from "../lib/model/dockerHosts";
import { stackRule } from "../lib/ruleKit/rule";
import { preparedBy, prepares, stackView } from "../lib/model/stackView";

export const hostThpForRedis = stackRule<{ allowedModes: string[]; hostsConfiguredElsewhere: string[] }>(
  {
    name: "host-thp-for-redis",
    description: "Every host that runs Redis has transparent huge pages off (never, or madvise) set in the stack.",
    config: {
      allowedModes: {
        type: "array",
        items: { type: "string" },
        default: ["never", "madvise"],
        description: "Accepted /sys/kernel/mm/transparent_hugepage/enabled modes.",
      },
      hostsConfiguredElsewhere: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Host keys whose THP mode is set outside this stack.",
      },
    },
    enforcementLevel: "advisory",
    severity: "medium",
    remediation:
      "Write `never` to /sys/kernel/mm/transparent_hugepage/enabled at boot (the kit's VpsHost installs a systemd unit; or `transparent_hugepage=never` on the kernel command line). With THP `always`, every page a forked BGSAVE touches is copied 2 MiB at a time: latency spikes and a copy-on-write bill far above maxmemory.",
  },
  async (resources, ctx) => {
    const allowed = new Set(ctx.config.allowedModes);
    const elsewhere = new Set(ctx.config.hostsConfiguredElsewhere);
    const view = await stackView(resources);
    for (const host of view.hosts.values()) {
      if (host.redis.length === 0 || elsewhere.has(host.key)) continue;
      const settings = host.settings.filter(({ item }) => item.key === THP);
      // `echo never > …/enabled` writes "never"; the sysfs file reads back like "always madvise [never]".
      const mode = (v: string): string => /\[(\w+)\]/.exec(v)?.[1] ?? v.trim();
      const bad = settings.filter(({ item }) => !allowed.has(mode(item.value)));
      for (const { item, urn } of bad)
        ctx.violation(
          `${describeHost(host.key)} runs Redis but ${item.via} sets transparent huge pages to ${mode(item.value)}.`,
          urn,
        );
      if (settings.length === 0 && prepares(host))
        ctx.violation(
          `${describeHost(host.key)} runs Redis and this stack prepares that host (${preparedBy(host)}) but nothing in it turns transparent huge pages off there.`,
          host.redis[0]!.urn,
        );
      else if (settings.length === 0)
        ctx.notRead(
          `${describeHost(host.key)} runs Redis; this stack does not prepare that host (no VpsHost, no sysctl or other host setting there), so its transparent huge pages mode was not read. Make sure it is never or madvise there, and list "${host.key}" in hostsConfiguredElsewhere.`,
          host.redis[0]!.urn,
          "advisory",
        );
    }
  },
);
