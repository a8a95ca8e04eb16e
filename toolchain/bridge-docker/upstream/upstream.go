// Package upstream hands out the Terraform docker provider (kreuzwerker) as it is published: the
// SDKv2 part and the Plugin Framework part that its own main muxes together.
//
// It lives below github.com/terraform-providers/terraform-provider-docker because that is the
// only place allowed to import the provider's internal/provider package.
package upstream

import (
	"context"
	"fmt"

	pfprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"

	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// SDKv2 returns the SDKv2 provider (containers, images, networks, volumes, services, ...).
func SDKv2(version string) *schema.Provider { return provider.New(version)() }

// Framework returns the Plugin Framework provider (docker_compose, the docker_containers data
// source, actions). Build with -tags no_compose to leave docker_compose and its large
// dependency tree out.
func Framework(version string) pfprovider.Provider { return provider.NewFrameworkProvider(version)() }

// EngineVersion asks the engine a resource's create talks to for its version and API version (the
// same client upstream's create makes from the provider configuration).
func EngineVersion(ctx context.Context, d *schema.ResourceData, meta interface{}) (version, api string, err error) {
	cfg, ok := meta.(*provider.ProviderConfig)
	if !ok {
		return "", "", fmt.Errorf("unexpected provider configuration %T", meta)
	}
	c, err := cfg.MakeClient(ctx, d)
	if err != nil {
		return "", "", err
	}
	v, err := c.ServerVersion(ctx)
	if err != nil {
		return "", "", err
	}
	return v.Version, v.APIVersion, nil
}

// Endpoint is the engine the provider is configured for: its host, TLS cert directory, whether TLS material was
// given in memory, and its ssh options. ok is false when meta is not upstream's configuration.
func Endpoint(meta interface{}) (host, certPath string, material bool, sshOpts []string, ok bool) {
	cfg, ok := meta.(*provider.ProviderConfig)
	if !ok || cfg.DefaultConfig == nil {
		return "", "", false, nil, false
	}
	c := cfg.DefaultConfig
	return c.Host, c.CertPath, c.Ca != "" || c.Cert != "" || c.Key != "", c.SSHOpts, true
}
