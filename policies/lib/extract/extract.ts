// One resource → every container, file and host setting it brings to a Docker host (model/extraction.ts).
// One adapter per resource type, each in its own file:
//   docker:index/container:Container      container.ts  its own properties (+ uploads)
//   docker:index/service:Service          service.ts    taskSpec (Swarm)
//   command:local|remote:Command           command.ts    docker run/create/update in create/update/delete, files the
//                                                       scripts write, sysctl calls; `sh -c` scripts included
//   command:remote:CopyToRemote|CopyFile  copy.ts       the files delivered: compose, daemon.json, redis.conf, sysctl…
//   compose services in delivered files   composeService.ts (through hostFiles.ts)
// The kit's own components are read from their summaries (kitComponents.ts).
import { hostOfConnection, hostOfDockerProvider, LOCAL } from "../model/dockerHosts";
import { emptyExtraction, type Extraction } from "../model/extraction";
import { unproxy } from "../parse/propertyValues";
import { TYPES, type ResourceView } from "./resource";
import { fromContainer } from "./container";
import { fromService } from "./service";
import { fromCommand } from "./command";
import { fromCopy } from "./copy";

/** Everything `r` brings to a host. Never throws on odd input: what cannot be read is reported in `opaque`/`problems`. */
export async function extract(r: ResourceView): Promise<Extraction> {
  const props = unproxy(r.props);
  const provider = r.provider ? { type: r.provider.type, props: unproxy(r.provider.props) } : undefined;
  switch (r.type) {
    case TYPES.container:
      return fromContainer(props, hostOfDockerProvider(provider));
    case TYPES.service:
      return fromService(props, hostOfDockerProvider(provider));
    case TYPES.localCommand:
      return fromCommand(props, LOCAL, true);
    case TYPES.remoteCommand:
      return fromCommand(props, hostOfConnection(props), false);
    case TYPES.copyToRemote:
    case TYPES.copyFile:
      return fromCopy(r.type, props, hostOfConnection(props));
    default:
      return emptyExtraction();
  }
}
