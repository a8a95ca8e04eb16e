// Unsafe (container-swap-bounded): unlimited swap. On a small VPS a worker swapping stalls the whole host long
// before any OOM kill.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
base.worker("worker", { memorySwap: -1 });
