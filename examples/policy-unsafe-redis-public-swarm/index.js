// Unsafe (redis-not-public): Redis' port published through the Swarm ingress mesh, i.e. on every interface of
// every node, whatever address the program would have liked.
"use strict";
const swarm = require("../policy-common/swarm");

swarm.redisService("redis", { endpointSpec: { ports: [{ targetPort: 6379, publishedPort: 6379 }] } });
swarm.workerService();
