// Command pulumi-resource-command is queuekit's own command resource provider
// plugin, compatible with the @pulumi/command 1.2.1 SDK.
package main

import (
	"fmt"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"queuekit.dev/toolchain/providers/internal/command"
	"queuekit.dev/toolchain/providers/internal/rpc"
)

// sdkVersion is the npm SDK version this plugin serves; the engine loads the
// plugin by it. The build may set it explicitly with
// -ldflags "-X queuekit.dev/toolchain/providers/internal/rpc.Version=1.2.1".
const sdkVersion = "1.2.1"

func main() {
	err := rpc.Main("command", func(host *rpc.Host) (pulumirpc.ResourceProviderServer, error) {
		return command.New(host, rpc.VersionOr(sdkVersion))
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
