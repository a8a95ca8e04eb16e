// Unsafe (container-memory-limit): the worker service has a reservation but no limit. A reservation only places
// the task; without \`limits.memoryBytes\` it may take all of the node's RAM.
"use strict";
const swarm = require("../policy-common/swarm");

const taskSpec = swarm.workerTaskSpec();
swarm.redisService();
swarm.workerService("worker", {
  taskSpec: { ...taskSpec, resources: { reservation: taskSpec.resources.reservation } },
});
