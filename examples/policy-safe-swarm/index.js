// Safe on a swarm whose nodes run without swap and are prepared by their image (policy-config.json): Redis and a
// worker as docker.Service, each with a memory limit, no published Redis port, rotated logs, a bounded restart.
"use strict";
const swarm = require("../policy-common/swarm");

swarm.redisService();
swarm.workerService();
