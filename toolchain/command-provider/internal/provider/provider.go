// Package provider assembles the command provider from the local and remote packages.
package provider

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"

	"queuekit.dev/toolchain/command-provider/local"
	"queuekit.dev/toolchain/command-provider/remote"
)

// Name is the package name: tokens are command:<module>:<Type>.
const Name = "command"

// New builds the provider: four resources and the local run function, schema inferred from the Go types.
func New() (p.Provider, error) {
	return infer.NewProviderBuilder().
		WithDisplayName("Command").
		WithDescription("The Pulumi Command Provider enables you to execute commands and scripts either locally or remotely as part of the Pulumi resource model (queuekit's build on pulumi-go-provider).").
		WithKeywords("pulumi", "command", "category/utility", "kind/native").
		WithHomepage("https://pulumi.com").
		WithLicense("Apache-2.0").
		WithRepository("https://github.com/pulumi/pulumi-command").
		WithPublisher("Pulumi").
		WithLanguageMap(map[string]any{"nodejs": map[string]any{"respectSchemaVersion": true}}).
		WithResources(
			infer.Resource(&local.Command{}),
			infer.Resource(&remote.Command{}),
			infer.Resource(&remote.CopyToRemote{}),
			infer.Resource(&remote.CopyFile{}),
		).
		WithFunctions(infer.Function(&local.Run{})).
		Build()
}
