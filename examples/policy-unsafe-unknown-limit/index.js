// Unknown at preview (container-memory-limit, deliberately fail-closed): the worker's limit is computed from a
// command that has not run yet. `pulumi up` would check the real value; a CI preview cannot, and says so
// instead of passing. (Set onUnknown: warn for the rule to accept such stacks at preview.)
"use strict";
const command = require("@pulumi/command");
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
const sizing = new command.local.Command("sizing", { create: "echo 384" });
const mib = sizing.stdout.apply((s) => Number.parseInt(s, 10));
base.worker("worker", { memory: mib, memorySwap: mib });
