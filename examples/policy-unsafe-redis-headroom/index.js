// Unsafe (redis-maxmemory-within-container): --maxmemory 245mb in a 256 MiB container with AOF: the rewrite's
// fork has no room and the container is OOM-killed.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis("redis", { command: ["redis-server", "/usr/local/etc/redis/redis.conf", "--maxmemory", "245mb"] });
base.worker();
