// Unsafe (redis-broker-eviction-safe): allkeys-lru deletes Celery's queue lists when memory is full.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis("redis", {}, base.REDIS_CONF.replace("noeviction", "allkeys-lru"));
base.worker();
