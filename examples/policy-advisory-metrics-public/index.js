// Advisory (metrics-not-public): a Redis exporter published on every interface. The preview passes (advisory),
// but names the rule: the metrics list every queue, client and Redis setting to anyone who asks.
"use strict";
const docker = require("@pulumi/docker");
const base = require("../policy-common/baseline");

base.hostPrep();
base.readOnlyRedis();
base.worker("worker");
new docker.Container("exporter", {
  name: "policy-example-exporter",
  image: "oliver006/redis_exporter:v1.45.0-alpine",
  command: ["-redis.addr", "redis://redis:6379"],
  memory: 64,
  memorySwap: 64,
  restart: "unless-stopped",
  healthcheck: { tests: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9121/health"], interval: "10s" },
  ports: [{ internal: 9121, external: 9121, ip: "0.0.0.0" }],
  ...base.hardened("59000", 256, true),
  ...base.rotatedLogs,
});
