import { OVERCOMMIT } from "../lib/model/deliveredFiles";
import { describeHost } from "../lib/model/dockerHosts";
import { persistence } from "../lib/model/redisServers";
import { stackRule } from "../lib/ruleKit/rule";
import { preparedBy, prepares, stackView } from "../lib/model/stackView";
import { isUnknown } from "../lib/parse/propertyValues";

export const hostOvercommitForRedis = stackRule<{ hostsConfiguredElsewhere: string[] }>(
  {
    name: "host-overcommit-for-redis",
    description:
      "Every host that runs Redis with persistence has vm.overcommit_memory = 1: mandatory where the stack prepares the host (VpsHost, a sysctl command or drop-in, any host setting) or sets another value; advisory where the host is prepared outside the stack.",
    config: {
      hostsConfiguredElsewhere: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Host keys whose vm.overcommit_memory is set outside this stack (image, cloud-init, config management): no finding for them.",
      },
    },
    enforcementLevel: "mandatory",
    severity: "high",
    remediation:
      "Set vm.overcommit_memory=1 on the host: the kit's VpsHost does (host.sysctl), or deliver /etc/sysctl.d/*.conf with `vm.overcommit_memory = 1` and run `sysctl --system`/`sysctl -w vm.overcommit_memory=1` in a Command. It is a host setting — a container cannot set it. With the default heuristic (0), the fork for BGSAVE/AOF rewrite of a Redis using more than half the free memory fails: snapshots stop and, with `stop-writes-on-bgsave-error yes`, Redis refuses the next task.",
  },
  async (resources, ctx) => {
    const elsewhere = new Set(ctx.config.hostsConfiguredElsewhere);
    const view = await stackView(resources);
    for (const u of view.unplaced) ctx.unknown(u.item, `${u.resource}: which host it is on`, u.urn);
    for (const host of view.hosts.values()) {
      const persistent = host.redis.filter(({ item }) => {
        const p = persistence(item);
        return p === true || isUnknown(p); // unknown counts as on: Redis' default
      });
      if (persistent.length === 0 || elsewhere.has(host.key)) continue;
      const settings = host.settings.filter(({ item }) => item.key === OVERCOMMIT);
      const good = settings.filter(({ item }) => item.value === "1");
      const bad = settings.filter(({ item }) => item.value !== "1");
      const first = persistent[0]!;
      const who = persistent.map(({ item, resource }) => `${resource} (${item.origin})`).join("; ");
      if (bad.length) {
        for (const { item, urn } of bad)
          ctx.violation(
            `${describeHost(host.key)} runs Redis with persistence (${who}) but ${item.via} sets vm.overcommit_memory = ${item.value}; it must be 1.`,
            urn,
          );
      } else if (good.length === 0 && prepares(host)) {
        ctx.violation(
          `${describeHost(host.key)} runs Redis with persistence (${who}) and this stack prepares that host (${preparedBy(host)}) but nothing in it sets vm.overcommit_memory = 1 there.`,
          first.urn,
        );
      } else if (good.length === 0) {
        ctx.notRead(
          `${describeHost(host.key)} runs Redis with persistence (${who}); this stack does not prepare that host (no VpsHost, no sysctl or other host setting there), so vm.overcommit_memory on it was not read. Make sure it is 1 there, and list "${host.key}" in hostsConfiguredElsewhere.`,
          first.urn,
          "advisory",
        );
      }
    }
  },
);
