// Unsafe (no-oom-kill-disable): the flag hides inside `sh -c '…'` of a command; the pack reads it as shell words.
"use strict";
const command = require("@pulumi/command");
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
new command.local.Command("batch", {
  create:
    "sh -c 'docker run -d --name policy-example-batch -m 256m --memory-swap 256m --oom-kill-disable " +
    "--restart unless-stopped --health-cmd true --log-opt max-size=10m busybox:1.36 sleep infinity'",
  delete: "docker rm -f policy-example-batch",
});
