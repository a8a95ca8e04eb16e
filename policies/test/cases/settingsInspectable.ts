import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { settingsInspectable } from "../../rules";
import {
  container,
  copyToRemote,
  fileArchive,
  fileAsset,
  localCommand,
  remoteAsset,
  remoteCommand,
  stringAsset,
  unknown,
} from "../fixtures";
import { fail, pass, type RuleCases } from "./types";

/** A directory archive with more files than the pack reads, a compose file past them. */
function crowdedDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qk-crowded-"));
  fs.mkdirSync(path.join(dir, "a-static"));
  for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(dir, "a-static", `f${i}.txt`), "x");
  fs.mkdirSync(path.join(dir, "z-app"));
  fs.writeFileSync(path.join(dir, "z-app", "compose.yml"), "services:\n  web:\n    image: nginx\n");
  return dir;
}

export const settingsInspectableCases: RuleCases = {
  rule: settingsInspectable,
  cases: [
    pass("known scripts and files", [
      localCommand("r", "docker run -d nginx"),
      copyToRemote("c", "/etc/redis/redis.conf", stringAsset("maxmemory 1mb\n")),
      container("c"),
    ]),
    fail(
      "a create command unknown during preview",
      [remoteCommand("r", unknown())],
      /not inspected: the create command is not known/,
    ),
    fail(
      "a remote asset",
      [copyToRemote("c", "/srv/compose.yml", remoteAsset("https://example.com/compose.yml"))],
      /file \/srv\/compose\.yml is a remote asset/,
    ),
    fail(
      "a file asset that is not there",
      [copyToRemote("c", "/srv/compose.yml", fileAsset("/nonexistent/compose.yml"))],
      /file asset at \/nonexistent\/compose\.yml that the pack cannot find/,
    ),
    fail(
      "a script with an unterminated quote",
      [localCommand("r", "docker run -d 'nginx")],
      /not fully read: create: line 1: unterminated single quote/,
    ),
    fail(
      "invalid compose YAML",
      [copyToRemote("c", "/srv/compose.yml", stringAsset("services:\n  a: [\n"))],
      /not fully read: \/srv\/compose\.yml: not valid YAML/,
    ),
    fail(
      "a non-shell interpreter",
      [localCommand("r", "print(1)", { interpreter: ["python3", "-c"] })],
      /are run by python3 -c, not a shell/,
    ),
    fail(
      "docker options from the environment",
      [localCommand("r", "docker run $DOCKER_OPTS nginx")],
      /\$DOCKER_OPTS are options from the shell environment/,
    ),
    fail(
      "a program named by the host's environment",
      [remoteCommand("r", `"$CONTAINER_CLI" run -d -m 1g nginx`)],
      /create: `"\$CONTAINER_CLI" run -d -m 1g nginx` runs \$CONTAINER_CLI, a program named by the shell environment at run time/,
    ),
    fail(
      "a whole script from the host's environment handed to sh -c",
      [remoteCommand("r", `sh -c "$DEPLOY_SCRIPT"`)],
      /runs \$DEPLOY_SCRIPT, a program named by the shell environment/,
    ),
    fail(
      "a script file handed to bash: advisory, naming the file",
      [remoteCommand("r", "cd /opt/app && sudo bash ./deploy.sh --prod")],
      /create: `sudo bash \.\/deploy\.sh --prod` runs the script file \.\/deploy\.sh, which the pack does not read/,
    ),
    fail(
      "a command run over ssh on another host",
      [localCommand("r", "ssh -p 2222 -i key deploy@10.1.2.3 'docker run -d nginx'")],
      /runs a command on deploy@10\.1\.2\.3 over ssh, which the pack does not read/,
    ),
    fail(
      "strict: what cannot be read is mandatory",
      [remoteCommand("r", "bash /srv/setup.sh")],
      /runs the script file \/srv\/setup\.sh.*\(strict: what the pack cannot read is refused\)/,
      { config: { strict: true }, level: "mandatory" },
    ),
    fail(
      "strict: a script that does not parse is mandatory",
      [localCommand("r", 'docker run -d "nginx')],
      /not fully read: create: line 1: unterminated double quote; what follows it is not checked/,
      { config: { strict: true }, level: "mandatory" },
    ),
    fail(
      "a directory archive with more files than the pack reads: the rest is named, not skipped",
      [copyToRemote("site", "/srv/site", fileArchive(crowdedDir()))],
      /\/srv\/site\/z-app is not read: the archive holds more than 1000 files/,
    ),
  ],
};
