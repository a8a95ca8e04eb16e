// Which Docker host a resource acts on, as one comparable key:
//   "local"          the machine running `pulumi` (unix socket, local.Command, no DOCKER_HOST)
//   "<host>"         an SSH/TCP host (port appended when an SSH port other than 22 is used: "10.0.0.5:2222")
// Docker resources: their provider's `host` (ssh://user@h:p, tcp://h:p, unix://…); remote commands: their
// `connection.host`/`port`; a `docker -H …` inside a command wins over both.
import { isUnknown, num, str, Unknown, type Val } from "../parse/propertyValues";

export const LOCAL = "local";

/** Key of a Docker endpoint URL: ssh://root@10.0.0.5:2222 → "10.0.0.5:2222", unix:///var/run/docker.sock → "local". */
export function hostOfDockerUrl(url: string): string {
  const u = url.trim();
  if (u === "" || u.startsWith("unix://") || u.startsWith("npipe://") || u.startsWith("/")) return LOCAL;
  const m = /^(ssh|tcp|http|https):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(u);
  if (!m) return u;
  const host = m[2]!.replace(/^\[|\]$/g, "");
  return m[1] === "ssh" && m[3] && m[3] !== "22" ? `${host}:${m[3]}` : host;
}

/** Key of an SSH connection (command:remote:*). */
export function hostOfConnection(props: unknown): Val<string> {
  const host = str(props, "connection.host");
  if (host === undefined || isUnknown(host)) return host === undefined ? undefined : new Unknown("connection.host");
  const port = num(props, "connection.port");
  return isUnknown(port) || port === undefined || port === 22 ? host : `${host}:${port}`;
}

/** Host of a Docker resource from its provider's inputs (`docker:host` config for the default provider). */
export function hostOfDockerProvider(provider: { props: unknown } | undefined): Val<string> {
  if (!provider) return LOCAL;
  const host = str(provider.props, "host");
  if (isUnknown(host)) return new Unknown("the Docker provider's host");
  return host === undefined
    ? process.env["DOCKER_HOST"]
      ? hostOfDockerUrl(process.env["DOCKER_HOST"])
      : LOCAL
    : hostOfDockerUrl(host);
}

export const describeHost = (h: Val<string>): string =>
  h === undefined
    ? "an unnamed host"
    : isUnknown(h)
      ? "a host not known yet"
      : h === LOCAL
        ? "the local host"
        : `host ${h}`;
