// Unsafe (container-memory-limit): `memory` of docker.Container is in MiB. 512 * 1024 * 1024 here is a
// 512 TiB "limit" — no limit at all. The host budget fails with it.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
base.worker("worker", { memory: 512 * 1024 * 1024, memorySwap: 512 * 1024 * 1024 });
