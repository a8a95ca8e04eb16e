// Package rpc holds the gRPC plumbing shared by queuekit's provider plugins:
// serving the ResourceProvider protocol to the Pulumi engine, logging back to
// the engine, property (un)marshalling and generic diff helpers.
package rpc

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// Main serves a resource provider to the Pulumi engine, following the plugin
// protocol: the engine starts the plugin with the engine's gRPC address as its
// only argument and reads the port the plugin listens on from stdout.
func Main(name string, factory func(host *Host) (pulumirpc.ResourceProviderServer, error)) error {
	flag.String("tracing", "", "ignored: tracing endpoint passed by the engine")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	var host *Host
	args := flag.Args()
	switch len(args) {
	case 0:
		// Attach mode (PULUMI_DEBUG_PROVIDERS): no engine to log to.
	case 1:
		h, err := NewHost(args[0])
		if err != nil {
			return fmt.Errorf("%s: could not connect to the engine at %s: %w", name, args[0], err)
		}
		host = h
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		if err := rpcutil.Healthcheck(ctx, args[0], 5*time.Minute, cancel); err != nil {
			return fmt.Errorf("%s: could not start the engine health check: %w", name, err)
		}
	default:
		return errors.New(name + ": expected at most one argument (the engine address)")
	}

	cancelCh := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancelCh)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelCh,
		Init: func(srv *grpc.Server) error {
			prov, err := factory(host)
			if err != nil {
				return fmt.Errorf("%s: creating the provider: %w", name, err)
			}
			pulumirpc.RegisterResourceProviderServer(srv, prov)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Printf("%d\n", handle.Port)
	return <-handle.Done
}

// Version is the plugin version reported to the engine by GetPluginInfo. The
// engine loads a plugin by the version its SDK asks for, so it must equal the
// npm SDK's version: set it at build time with
//
//	-ldflags "-X queuekit.dev/toolchain/providers/internal/rpc.Version=5.2.0"
//
// When unset, each plugin's main falls back to its SDK's version.
var Version string

// VersionOr returns Version, or def when it was not set at build time.
func VersionOr(def string) string {
	if Version != "" {
		return Version
	}
	return def
}
