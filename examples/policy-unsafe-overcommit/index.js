// Unsafe (host-overcommit-for-redis): the host preparation turns THP off but leaves vm.overcommit_memory at its
// default, so BGSAVE / AOF rewrite forks can fail once Redis holds more than half the free memory.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep("host-prep", "echo never | sudo tee /sys/kernel/mm/transparent_hugepage/enabled");
base.redis();
base.worker();
