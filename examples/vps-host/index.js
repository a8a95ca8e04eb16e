// Host preparation alone: the same `queuekit:*` stack config as the full kit, but only the VpsHost component
// (sysctl drop-in, THP unit, swap file, Docker engine and daemon.json, emulated memory cgroup).
// Extra knobs in the `vps-host` namespace:
//   vps-host:docker          {manage, configFile, restart: "auto" | "never"}  (default: manage /etc/docker/daemon.json)
//   vps-host:dialErrorLimit  SSH attempts while the host boots (default 30)
"use strict";
const pulumi = require("@pulumi/pulumi");
const { VpsHost } = require("../../dist/infra/components/vpsHost");
const { readStackConfig } = require("../../dist/infra/config/pulumi");
const { planMemory } = require("../../dist/infra/plan/planner");

const stack = pulumi.getStack();
const { config, sshPrivateKey } = readStackConfig(new pulumi.Config("queuekit"));
const own = new pulumi.Config("vps-host");

const host = new VpsHost("host", {
  stack,
  config: config.host,
  plan: planMemory(config).host,
  redisTcpBacklog: config.redis.tcpBacklog,
  sshPrivateKey,
  docker: own.getObject("docker"),
  dialErrorLimit: own.getNumber("dialErrorLimit"),
});

exports.target = config.host.connection;
if (host.cgroupParent) exports.cgroupParent = host.cgroupParent;
exports.steps = Object.fromEntries(Object.entries(host.steps).map(([name, step]) => [name, step.stdout]));
