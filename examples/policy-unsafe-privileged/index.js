// Unsafe (container-no-privileged).
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
base.worker("worker", { privileged: true });
