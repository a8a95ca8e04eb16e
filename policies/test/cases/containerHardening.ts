// The container-hardening advisories (CIS Docker 5.x), each read from docker.Container, compose services,
// `docker run` argv and docker.Service. Cases named "(KICS: …)" or "(docker-bench: …)" are where the pack
// judges differently from that tool (policies/README.md, Coverage).
import {
  containerCapabilitiesDropped,
  containerCpuWeight,
  containerNoNewPrivileges,
  containerNonRootUser,
  containerPidsLimit,
  containerReadOnlyRoot,
} from "../../rules";
import { container, copyToRemote, localCommand, stringAsset, T, unknown, type Fixture } from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

const compose = (service: string, version = ""): Fixture =>
  copyToRemote(
    "c",
    "/srv/q/compose.yml",
    stringAsset(`${version}services:\n  app:\n    image: redis:7\n    mem_limit: 256m\n${service}`),
  );

const service = (containerSpec: Record<string, unknown>): Fixture => ({
  type: T.service,
  name: "svc",
  props: {
    name: "svc",
    taskSpec: {
      containerSpec: { image: "redis:7", ...containerSpec },
      resources: { limits: { memoryBytes: 268435456 } },
    },
  },
});

/** A docker.Container with none of the hardening the fixtures add by default. */
const bare = (name: string): Fixture =>
  container(name, {
    readOnly: undefined,
    capabilities: undefined,
    securityOpts: undefined,
    cpuShares: undefined,
    user: undefined,
  });

const HARDENED_COMPOSE =
  '    read_only: true\n    cap_drop: [ALL]\n    security_opt: ["no-new-privileges:true"]\n    pids_limit: 64\n    cpu_shares: 512\n    user: "999:999"\n';
const HARDENED_CONTAINER = {
  readOnly: true,
  capabilities: { drops: ["ALL"] },
  securityOpts: ["no-new-privileges:true"],
  cpuShares: 512,
  user: "999",
};
const HARDENED_RUN =
  "docker run -d -m 256m --read-only --cap-drop=ALL --security-opt no-new-privileges --pids-limit 64 -c 512 -u 999 redis:7";

export const containerReadOnlyRootCases: RuleCases = {
  rule: containerReadOnlyRoot,
  cases: [
    pass("read-only everywhere", [
      container("a", HARDENED_CONTAINER),
      compose(HARDENED_COMPOSE),
      localCommand("r", HARDENED_RUN),
      service({ readOnly: true }),
    ]),
    fail("docker.Container without readOnly", [bare("a")], /docker\.Container "a": its root filesystem is writable/),
    fail("compose read_only: false", [compose("    read_only: false\n")], /compose service "app".*writable/),
    fail("docker run without --read-only", [localCommand("r", "docker run -d -m 256m redis:7")], /writable/),
    fail("docker run --read-only=false", [localCommand("r", "docker run -d --read-only=false redis:7")], /writable/),
    fail("Swarm service without readOnly", [service({})], /writable/),
    fail("readOnly unknown at preview", [container("a", { readOnly: unknown() })], /a read-only root filesystem/),
  ],
};

export const containerCapabilitiesDroppedCases: RuleCases = {
  rule: containerCapabilitiesDropped,
  cases: [
    pass("ALL dropped everywhere (CAP_ALL, lower case too)", [
      container("a", HARDENED_CONTAINER),
      compose("    cap_drop: [all]\n    cap_add: [NET_BIND_SERVICE]\n"),
      localCommand("r", HARDENED_RUN),
      service({ capDrops: ["CAP_ALL"] }),
    ]),
    fail("docker.Container drops nothing", [bare("a")], /drops no capabilities/),
    fail(
      "(KICS: any cap_drop passes) compose drops NET_RAW only",
      [compose("    cap_drop: [NET_RAW]\n")],
      /drops NET_RAW but not ALL/,
    ),
    fail(
      "docker run --cap-drop NET_RAW,MKNOD",
      [localCommand("r", "docker run -d --cap-drop NET_RAW,MKNOD redis:7")],
      /drops NET_RAW, MKNOD but not ALL/,
    ),
    fail("Swarm service drops nothing", [service({})], /drops no capabilities/),
  ],
};

export const containerNoNewPrivilegesCases: RuleCases = {
  rule: containerNoNewPrivileges,
  cases: [
    pass("set everywhere, in each spelling Docker accepts", [
      container("a", HARDENED_CONTAINER),
      compose('    security_opt: ["no-new-privileges"]\n'),
      localCommand("r", "docker run -d --security-opt no-new-privileges=true redis:7"),
    ]),
    fail(
      "(KICS: only flags a security_opt list without it) compose with no security_opt",
      [compose("")],
      /does not set no-new-privileges/,
    ),
    fail(
      "compose no-new-privileges:false",
      [compose('    security_opt: ["no-new-privileges:false"]\n')],
      /sets no-new-privileges:false/,
    ),
    fail(
      "docker.Container with seccomp only",
      [container("a", { securityOpts: ["seccomp=unconfined"] })],
      /does not set no-new-privileges/,
    ),
    pass("Swarm service: not judged, the provider's task spec cannot set it", [service({})]),
  ],
};

export const containerPidsLimitCases: RuleCases = {
  rule: containerPidsLimit,
  cases: [
    pass("compose pids_limit, deploy.resources.limits.pids, docker run --pids-limit", [
      compose("    pids_limit: 64\n"),
      copyToRemote(
        "d",
        "/srv/q/docker-compose.yml",
        stringAsset(
          "services:\n  b:\n    image: x\n    deploy:\n      resources:\n        limits:\n          pids: 100\n",
        ),
      ),
      localCommand("r", HARDENED_RUN),
    ]),
    fail(
      "(KICS: only compose files below version 3) a version 3.8 file without pids_limit",
      [compose("", 'version: "3.8"\n')],
      /has no PIDs limit/,
    ),
    fail("compose pids_limit: -1", [compose("    pids_limit: -1\n")], /PIDs limit -1: unlimited/),
    fail("docker run without --pids-limit", [localCommand("r", "docker run -d redis:7")], /has no PIDs limit/),
    pass("docker.Container: not judged, the provider has no PIDs limit", [container("a", HARDENED_CONTAINER)]),
  ],
};

export const containerCpuWeightCases: RuleCases = {
  rule: containerCpuWeight,
  cases: [
    pass("(docker-bench: warns at 1024) an explicit weight, 1024 included", [
      container("a", { cpuShares: 1024 }),
      compose("    cpu_shares: 2048\n"),
      localCommand("r", "docker run -d --cpu-shares=512 redis:7"),
    ]),
    fail(
      "(KICS: a CPU limit passes) compose with deploy.resources.limits.cpus and no weight",
      [compose("    deploy:\n      resources:\n        limits:\n          cpus: '0.5'\n")],
      /sets no CPU weight/,
    ),
    fail("docker.Container without cpuShares", [bare("a")], /sets no CPU weight/),
    pass("Swarm service: not judged, the provider's task spec has no CPU weight", [service({})]),
  ],
};

export const containerNonRootUserCases: RuleCases = {
  rule: containerNonRootUser,
  cases: [
    pass("a non-root user everywhere", [
      container("a", HARDENED_CONTAINER),
      compose('    user: "redis"\n'),
      localCommand("r", HARDENED_RUN),
      service({ user: "999:999" }),
    ]),
    fail("(CIS 4.1 reads the image) no user set: the image's USER is not read", [bare("a")], /sets no user.*not read/),
    fail("compose user: root", [compose("    user: root\n")], /runs as root \(user root\)/),
    fail("docker run -u 0:0", [localCommand("r", "docker run -d -u 0:0 redis:7")], /runs as root \(user 0:0\)/),
    fail("Swarm service user root", [service({ user: "root" })], /runs as root/),
  ],
};
