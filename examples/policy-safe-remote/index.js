// Safe, on a VPS: the queue is a compose project copied over SSH and started by a remote command. The host's RAM
// is declared the way the kit's VpsHost does; everything else is plain @pulumi/command.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const { HostDeclaration, MiB } = require("../policy-common/baseline");

const host = "203.0.113.10"; // documentation address: preview only, nothing connects
const connection = { host, user: "root", agentSocketPath: "/run/ssh-agent.sock" };

new HostDeclaration("vps", {
  memoryBytes: 1024 * MiB,
  reserveBytes: 256 * MiB,
  connection: { kind: "ssh", host, port: 22, user: "root" },
  sysctl: { overcommitMemory: 1 },
  thp: "never",
});

const files = [
  new command.remote.CopyToRemote("queue", {
    connection,
    source: new pulumi.asset.FileArchive("./queue"),
    remotePath: "/srv/queue",
  }),
  new command.remote.CopyToRemote("daemon-json", {
    connection,
    source: new pulumi.asset.StringAsset(
      JSON.stringify({
        "log-driver": "json-file",
        "log-opts": { "max-size": "10m", "max-file": "3" },
        "live-restore": true,
      }),
    ),
    remotePath: "/etc/docker/daemon.json",
  }),
];

new command.remote.Command(
  "up",
  {
    connection,
    create: "systemctl reload-or-restart docker && cd /srv/queue && docker compose up -d --wait",
    delete: "cd /srv/queue && docker compose down",
  },
  { dependsOn: files },
);
