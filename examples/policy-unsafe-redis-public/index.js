// Unsafe (redis-not-public): no `ip` on the port — Docker publishes it on 0.0.0.0.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis("redis", { ports: [{ internal: 6379, external: 6379 }] });
base.worker();
