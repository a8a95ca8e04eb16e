// Unsafe (redis-maxmemory-set): without maxmemory Redis grows until its container is OOM-killed.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis("redis", {}, "maxmemory-policy noeviction\nappendonly yes\nrequirepass example-only\n");
base.worker();
