// pulumi-resource-command serves the `@pulumi/command` SDK's resources and functions, built on
// pulumi-go-provider's `infer` (typed resources, a generated schema).
package main

import (
	"context"
	"fmt"
	"os"

	"queuekit.dev/toolchain/command-provider/internal/provider"
)

// Version is what GetPluginInfo reports: the `@pulumi/command` SDK version the engine loads this plugin for.
var Version = "1.2.1"

func main() {
	if len(os.Args) == 2 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(Version) // for scripts/toolchain-command.sh to check what -X set
		return
	}
	prov, err := provider.New()
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
	if err := prov.Run(context.Background(), provider.Name, Version); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}
