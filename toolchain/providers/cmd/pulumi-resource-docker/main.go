// Command pulumi-resource-docker is queuekit's own Docker resource provider
// plugin, compatible with the @pulumi/docker 5.2.0 SDK for the resources the kit uses.
package main

import (
	"fmt"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"queuekit.dev/toolchain/providers/internal/docker"
	"queuekit.dev/toolchain/providers/internal/rpc"
)

// sdkVersion is the npm SDK version this plugin serves; the engine loads the
// plugin by it. The build may set it explicitly with
// -ldflags "-X queuekit.dev/toolchain/providers/internal/rpc.Version=5.2.0".
const sdkVersion = "5.2.0"

func main() {
	err := rpc.Main("docker", func(host *rpc.Host) (pulumirpc.ResourceProviderServer, error) {
		return docker.New(host, rpc.VersionOr(sdkVersion))
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
