// Safe, on a VPS, laid out as most hand-written stacks are: redis.conf and the compose file that bind-mounts it are
// copied by two resources, and a remote command runs docker compose. The pack reads them together by host and path.
"use strict";
const pulumi = require("@pulumi/pulumi");
const command = require("@pulumi/command");
const { HostDeclaration, MiB } = require("../policy-common/baseline");

const host = "203.0.113.11"; // documentation address: preview only, nothing connects
const connection = { host, user: "root", agentSocketPath: "/run/ssh-agent.sock" };

new HostDeclaration("vps", {
  memoryBytes: 1024 * MiB,
  reserveBytes: 256 * MiB,
  connection: { kind: "ssh", host, port: 22, user: "root" },
  sysctl: { overcommitMemory: 1 },
  thp: "never",
});

const copy = (name, file, remotePath) =>
  new command.remote.CopyToRemote(name, { connection, source: new pulumi.asset.FileAsset(file), remotePath });

const files = [
  copy("redis-conf", "./queue/redis.conf", "/srv/queue/redis.conf"),
  copy("compose-file", "./queue/compose.yml", "/srv/queue/compose.yml"),
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
