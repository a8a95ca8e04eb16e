// Unsafe (no-extreme-oom-score-adj): --oom-score-adj=-1000 makes the kernel kill sshd or dockerd first.
"use strict";
const command = require("@pulumi/command");
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
new command.local.Command("pinned", {
  create: [
    "docker run -d --name policy-example-pinned --memory=256m --memory-swap=256m \\",
    "  --oom-score-adj=-1000 --restart=unless-stopped --health-cmd=true --log-opt=max-size=10m \\",
    "  busybox:1.36 sleep infinity",
  ].join("\n"),
});
