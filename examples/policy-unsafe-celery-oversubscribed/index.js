// Unsafe (celery-worker-within-container): the children together outgrow the container; the OOM killer then
// takes the worker and its in-flight tasks.
"use strict";
const base = require("../policy-common/baseline");

base.hostPrep();
base.redis();
base.worker("worker", {
  memory: 512,
  memorySwap: 512,
  command: [
    "sh",
    "-c",
    "exec celery -A demo worker -P prefork -c 8 --max-tasks-per-child=200 --max-memory-per-child=204800",
  ],
});
