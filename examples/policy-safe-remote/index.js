// Safe, on a VPS: the queue is a compose project copied over SSH and started by a remote command. The host's RAM
// is declared the way the kit's VpsHost does; everything else is plain @pulumi/command.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const { remoteComposeQueue } = require("../policy-common/baseline");

// documentation address: preview only, nothing connects
remoteComposeQueue("203.0.113.10", (connection) => [
  new command.remote.CopyToRemote("queue", {
    connection,
    source: new pulumi.asset.FileArchive("./queue"),
    remotePath: "/srv/queue",
  }),
]);
