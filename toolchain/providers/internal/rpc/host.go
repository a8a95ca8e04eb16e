package rpc

import (
	"context"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Severity of a message sent to the engine.
type Severity = pulumirpc.LogSeverity

const (
	Debug   = pulumirpc.LogSeverity_DEBUG
	Info    = pulumirpc.LogSeverity_INFO
	Warning = pulumirpc.LogSeverity_WARNING
	Error   = pulumirpc.LogSeverity_ERROR
)

// Host is the provider's connection back to the engine, used for logging.
// A nil *Host is valid and discards every message.
type Host struct {
	conn   *grpc.ClientConn
	engine pulumirpc.EngineClient
}

// NewHost connects to the engine's gRPC endpoint.
func NewHost(addr string) (*Host, error) {
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		rpcutil.GrpcChannelOptions())
	if err != nil {
		return nil, err
	}
	return &Host{conn: conn, engine: pulumirpc.NewEngineClient(conn)}, nil
}

func (h *Host) send(ctx context.Context, sev Severity, urn, msg string, ephemeral bool) {
	if h == nil || h.engine == nil {
		return
	}
	msg = strings.TrimRight(msg, "\n")
	// Logging must never fail an operation; a cancelled ctx must not drop the last lines either.
	_, _ = h.engine.Log(context.WithoutCancel(ctx), &pulumirpc.LogRequest{
		Severity: sev, Message: msg, Urn: urn, Ephemeral: ephemeral,
	})
}

// Log sends a message that is kept in the engine's output for the resource.
func (h *Host) Log(ctx context.Context, sev Severity, urn, msg string) {
	h.send(ctx, sev, urn, msg, false)
}

// LogStatus sends an ephemeral status message (the "Info" column while a step runs).
func (h *Host) LogStatus(ctx context.Context, sev Severity, urn, msg string) {
	h.send(ctx, sev, urn, msg, true)
}
