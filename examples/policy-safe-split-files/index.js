// Safe, on a VPS, laid out as most hand-written stacks are: redis.conf and the compose file that bind-mounts it are
// copied by two resources, and a remote command runs docker compose. The pack reads them together by host and path.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const { remoteComposeQueue } = require("../policy-common/baseline");

const copy = (connection, name, file, remotePath) =>
  new command.remote.CopyToRemote(name, { connection, source: new pulumi.asset.FileAsset(file), remotePath });

// documentation address: preview only, nothing connects
remoteComposeQueue("203.0.113.11", (connection) => [
  copy(connection, "redis-conf", "./queue/redis.conf", "/srv/queue/redis.conf"),
  copy(connection, "compose-file", "./queue/compose.yml", "/srv/queue/compose.yml"),
]);
