// The whole stack seen per Docker host: the containers that run there, the host settings made there, the
// Redis servers there, and what the kit's VpsHost (or the pack config) says about the host itself.
import { StackFiles } from "./stackFiles";
import { TYPES, type ResourceView } from "../extract/resource";
import { vpsHost, vpsHostSummary, type VpsHostInfo } from "../extract/kitComponents";
import type { ContainerSpec, LocatedSetting } from "./extraction";
import { redisInstances, type RedisInstance } from "./redisServers";
import { isKnown, isUnknown, type Unknown, type Val } from "../parse/propertyValues";

export interface Located<T> {
  readonly item: T;
  readonly urn: string;
  readonly resource: string;
}

export interface HostView {
  readonly key: string;
  readonly vps: Located<VpsHostInfo>[];
  readonly containers: Located<ContainerSpec>[];
  readonly settings: Located<LocatedSetting>[];
  readonly redis: Located<RedisInstance>[];
}

export interface StackView {
  readonly hosts: Map<string, HostView>;
  /** Things whose host is not known yet (a provider or connection host that is an output). */
  readonly unplaced: Located<Unknown>[];
}

export async function stackView(resources: readonly ResourceView[]): Promise<StackView> {
  const hosts = new Map<string, HostView>();
  const unplaced: Located<Unknown>[] = [];
  const hostOf = (key: string): HostView => {
    let h = hosts.get(key);
    if (!h) hosts.set(key, (h = { key, vps: [], containers: [], settings: [], redis: [] }));
    return h;
  };
  const place = <T>(
    host: Val<string>,
    r: ResourceView,
    item: T,
    add: (h: HostView, l: Located<T>) => void,
    what: string,
  ): void => {
    const located = { item, urn: r.urn, resource: r.name };
    if (isUnknown(host))
      unplaced.push({ item: host.relabel(`the host of ${what} (${host.what})`), urn: r.urn, resource: r.name });
    else add(hostOf(host ?? "local"), located);
  };
  const stack = await StackFiles.of(resources);
  for (const r of resources) {
    if (r.type === TYPES.vpsHost) {
      const info = vpsHost(vpsHostSummary(r.urn, r.props));
      place(info.host, r, info, (h, l) => h.vps.push(l), "queuekit:host:VpsHost");
      for (const s of info.settings) place(s.host, r, s, (h, l) => h.settings.push(l), s.via);
      continue;
    }
    const own = await stack.extraction(r);
    // Files on the host are read together: compose files another resource runs, configs another resource copies.
    const ex = { ...own, containers: [...own.containers, ...stack.composeByReference(own).containers] };
    // A Command's update script usually re-runs what create started: count create's containers (update's when create has none).
    const fromCreate = ex.containers.some((c) => c.script === "create");
    const seen = new Set<string>();
    for (const c of ex.containers) {
      if (c.script === "delete" || (c.script === "update" && fromCreate)) continue;
      const id = isKnown(c.name) && isKnown(c.host) ? `${c.host}/${c.name}` : undefined;
      if (id && seen.has(id)) continue;
      if (id) seen.add(id);
      place(c.host, r, c, (h, l) => h.containers.push(l), c.origin);
    }
    for (const s of ex.hostSettings) place(s.host, r, s, (h, l) => h.settings.push(l), s.via);
    for (const redis of redisInstances(ex, stack)) place(redis.host, r, redis, (h, l) => h.redis.push(l), redis.origin);
  }
  return { hosts, unplaced };
}

/** Whether the stack manages this host itself: a VpsHost for it, or any host setting it makes there. */
export const prepares = (host: HostView): boolean => host.vps.length > 0 || host.settings.length > 0;

/** What prepares the host, for messages (the first three). */
export const preparedBy = (host: HostView): string =>
  [
    ...host.vps.map(({ resource }) => `VpsHost ${resource}`),
    ...host.settings.map(({ item, resource }) => `${resource}: ${item.key} via ${item.via}`),
  ]
    .slice(0, 3)
    .join("; ");
