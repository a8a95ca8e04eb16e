// Safe: every rule of queuekit-memory-safety passes. Redis and a worker as docker.Container, a third container
// started by `docker run` inside a local.Command (read as shell words), host settings made by a command.
"use strict";
const command = require("@pulumi/command");
const base = require("../policy-common/baseline");

base.hostPrep();
base.readOnlyRedis();
base.worker();
new command.local.Command("exporter", {
  create: [
    "docker run -d --name policy-example-exporter \\",
    "  -m 64m --memory-swap 64m --restart unless-stopped \\",
    "  --health-cmd 'wget -qO- localhost:9121/metrics >/dev/null' \\",
    "  --log-opt max-size=10m --log-opt max-file=3 \\",
    "  -p 127.0.0.1:9121:9121 -e REDIS_ADDR=redis://policy-example-redis:6379 \\",
    "  --read-only --cap-drop ALL --security-opt no-new-privileges --pids-limit 64 --cpu-shares 256 -u 59000 \\",
    "  oliver006/redis_exporter:v1.62.0",
  ].join("\n"),
  delete: "docker rm -f policy-example-exporter",
});
