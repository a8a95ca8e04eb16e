package rpc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Req carries everything a resource operation may need.
type Req struct {
	URN        string
	Name       string // the resource's logical name (for autonaming)
	Type       string
	ID         string
	Olds       resource.PropertyMap // prior state (outputs)
	OldInputs  resource.PropertyMap // prior inputs
	News       resource.PropertyMap // new (checked) inputs
	Preview    bool
	Timeout    time.Duration // 0 = none given
	RandomSeed []byte
	Host       *Host
}

// Log sends a persistent message for this resource.
func (r *Req) Log(ctx context.Context, sev Severity, msg string) { r.Host.Log(ctx, sev, r.URN, msg) }

// Status sends an ephemeral progress message for this resource.
func (r *Req) Status(ctx context.Context, msg string) { r.Host.LogStatus(ctx, Info, r.URN, msg) }

// CheckFailure is a validation error on one input property.
type CheckFailure struct{ Property, Reason string }

// Resource implements one resource type.
type Resource interface {
	Check(ctx context.Context, r *Req) (resource.PropertyMap, []CheckFailure, error)
	Diff(ctx context.Context, r *Req) (DiffResult, error)
	Create(ctx context.Context, r *Req) (string, resource.PropertyMap, error)
	Read(ctx context.Context, r *Req) (id string, outputs, inputs resource.PropertyMap, err error)
	Update(ctx context.Context, r *Req) (resource.PropertyMap, error)
	Delete(ctx context.Context, r *Req) error
}

// InitError reports a resource that was created but failed to initialise: the
// engine records it (with ID and outputs) so a later update can fix or replace it.
type InitError struct {
	ID      string
	Outputs resource.PropertyMap
	Inputs  resource.PropertyMap
	Reasons []string
}

func (e *InitError) Error() string { return strings.Join(e.Reasons, "; ") }

// Provider serves a set of resources over the ResourceProvider protocol.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	Name      string
	Version   string
	Host      *Host
	Resources map[string]Resource
	// Configure receives the provider configuration (stack config and explicit
	// provider arguments merged; keys without the "<pkg>:config:" prefix).
	OnConfigure func(ctx context.Context, cfg resource.PropertyMap) error

	ctx    context.Context
	cancel context.CancelFunc
}

// NewProvider builds a provider; call it from the Main factory.
func NewProvider(name, version string, host *Host, resources map[string]Resource,
	configure func(context.Context, resource.PropertyMap) error,
) *Provider {
	ctx, cancel := context.WithCancel(context.Background())
	return &Provider{Name: name, Version: version, Host: host, Resources: resources,
		OnConfigure: configure, ctx: ctx, cancel: cancel}
}

func (p *Provider) opCtx(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(p.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

func (p *Provider) res(typ string) (Resource, error) {
	r, ok := p.Resources[typ]
	if !ok {
		return nil, rpcerror.Newf(codes.Unimplemented,
			"%s %s (queuekit build) does not implement resource type %q; supported: %s",
			p.Name, p.Version, typ, strings.Join(SortedKeys(p.Resources), ", "))
	}
	return r, nil
}

func typeOf(urn, typ string) string {
	if typ != "" {
		return typ
	}
	if u, err := resource.ParseURN(urn); err == nil {
		return string(u.Type())
	}
	return ""
}

func nameOf(urn, name string) string {
	if name != "" {
		return name
	}
	if u, err := resource.ParseURN(urn); err == nil {
		return u.Name()
	}
	return ""
}

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.Version}, nil
}

func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	b, _ := json.Marshal(map[string]string{"name": p.Name, "version": p.Version})
	return &pulumirpc.GetSchemaResponse{Schema: string(b)}, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := Unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 {
		if olds, err = Unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	// Provider configuration changes never replace resources: the provider is reconfigured in place.
	return DiffInputs(olds, news, nil).proto(), nil
}

func (p *Provider) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	cfg := resource.PropertyMap{}
	prefix := p.Name + ":config:"
	for k, v := range req.GetVariables() {
		cfg[resource.PropertyKey(strings.TrimPrefix(k, prefix))] = resource.NewStringProperty(v)
	}
	if req.GetArgs() != nil {
		args, err := Unmarshal(req.GetArgs())
		if err != nil {
			return nil, err
		}
		for k, v := range args {
			cfg[k] = v
		}
	}
	if p.OnConfigure != nil {
		if err := p.OnConfigure(ctx, cfg); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, AcceptResources: true, SupportsPreview: true}, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	p.cancel()
	return &emptypb.Empty{}, nil
}

func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, rpcerror.Newf(codes.Unimplemented,
		"%s %s (queuekit build) does not implement function %q", p.Name, p.Version, req.GetTok())
}

func (p *Provider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	olds, err := Unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := Unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	checked, failures, err := r.Check(ctx, &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()),
		Type: typ, OldInputs: olds, News: news, RandomSeed: req.GetRandomSeed(), Host: p.Host})
	if err != nil {
		return nil, err
	}
	inputs, err := Marshal(checked)
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: inputs}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

func (p *Provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	rq := &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()), Type: typ, ID: req.GetId(), Host: p.Host}
	if rq.Olds, err = Unmarshal(req.GetOlds()); err != nil {
		return nil, err
	}
	if rq.OldInputs, err = Unmarshal(req.GetOldInputs()); err != nil {
		return nil, err
	}
	if rq.News, err = Unmarshal(req.GetNews()); err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	d, err := r.Diff(ctx, rq)
	if err != nil {
		return nil, err
	}
	return d.proto(), nil
}

func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	news, err := Unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	rq := &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()), Type: typ, News: news,
		Preview: req.GetPreview(), Timeout: secs(req.GetTimeout()), Host: p.Host}
	id, outs, err := r.Create(ctx, rq)
	if err != nil {
		return nil, initErr(err, nil)
	}
	props, err := Marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *Provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	rq := &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()), Type: typ, ID: req.GetId(), Host: p.Host}
	if rq.Olds, err = Unmarshal(req.GetProperties()); err != nil {
		return nil, err
	}
	if rq.OldInputs, err = Unmarshal(req.GetInputs()); err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	id, outs, ins, err := r.Read(ctx, rq)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return &pulumirpc.ReadResponse{}, nil // gone
	}
	po, err := Marshal(outs)
	if err != nil {
		return nil, err
	}
	var pi *structpb.Struct
	if ins != nil {
		if pi, err = Marshal(ins); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: po, Inputs: pi}, nil
}

func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	rq := &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()), Type: typ, ID: req.GetId(),
		Preview: req.GetPreview(), Timeout: secs(req.GetTimeout()), Host: p.Host}
	if rq.Olds, err = Unmarshal(req.GetOlds()); err != nil {
		return nil, err
	}
	if rq.OldInputs, err = Unmarshal(req.GetOldInputs()); err != nil {
		return nil, err
	}
	if rq.News, err = Unmarshal(req.GetNews()); err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	outs, err := r.Update(ctx, rq)
	if err != nil {
		return nil, initErr(err, &req.Id)
	}
	props, err := Marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	typ := typeOf(req.GetUrn(), req.GetType())
	r, err := p.res(typ)
	if err != nil {
		return nil, err
	}
	rq := &Req{URN: req.GetUrn(), Name: nameOf(req.GetUrn(), req.GetName()), Type: typ, ID: req.GetId(),
		Timeout: secs(req.GetTimeout()), Host: p.Host}
	if rq.Olds, err = Unmarshal(req.GetProperties()); err != nil {
		return nil, err
	}
	if rq.OldInputs, err = Unmarshal(req.GetOldInputs()); err != nil {
		return nil, err
	}
	ctx, done := p.opCtx(ctx)
	defer done()
	if err := r.Delete(ctx, rq); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func secs(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// initErr turns an *InitError into the engine's "resource initialisation failed" error.
func initErr(err error, id *string) error {
	ie, ok := err.(*InitError)
	if !ok {
		return err
	}
	rid := ie.ID
	if rid == "" && id != nil {
		rid = *id
	}
	props, merr := Marshal(ie.Outputs)
	if merr != nil {
		return err
	}
	detail := &pulumirpc.ErrorResourceInitFailed{Id: rid, Properties: props, Reasons: ie.Reasons}
	if ie.Inputs != nil {
		if in, e := Marshal(ie.Inputs); e == nil {
			detail.Inputs = in
		}
	}
	return rpcerror.WithDetails(rpcerror.New(codes.Unknown, ie.Error()), detail)
}

// AutoName returns "<name>-<7 hex chars>", deterministic for a given engine seed.
func AutoName(name string, seed []byte) string {
	var b []byte
	if len(seed) > 0 {
		h := sha256.Sum256(append(append([]byte{}, seed...), name...))
		b = h[:4]
	} else {
		b = make([]byte, 4)
		_, _ = rand.Read(b)
	}
	return fmt.Sprintf("%s-%s", name, hex.EncodeToString(b)[:7])
}
