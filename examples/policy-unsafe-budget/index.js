// Unsafe (host-memory-budget): every container has a limit, but together they need more than the host has.
"use strict";
const base = require("../policy-common/baseline");

new base.HostDeclaration("host", {
  memoryBytes: 1024 * base.MiB,
  reserveBytes: 256 * base.MiB,
  connection: { kind: "local" },
  sysctl: { overcommitMemory: 1 },
  thp: "never",
});
base.redis();
for (const n of [1, 2, 3]) base.worker(`worker-${n}`);
