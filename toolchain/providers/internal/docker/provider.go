package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// Resource type tokens (as used by @pulumi/docker 5.2.0).
const (
	ContainerType   = "docker:index/container:Container"
	NetworkType     = "docker:index/network:Network"
	VolumeType      = "docker:index/volume:Volume"
	RemoteImageType = "docker:index/remoteImage:RemoteImage"
)

// engine lazily connects to the Docker engine named by the provider configuration,
// so that check/diff/preview never need a running daemon.
type engine struct {
	mu     sync.Mutex
	cfg    Config
	client *Client
}

func (e *engine) configure(cfg resource.PropertyMap) error {
	p := rpc.View(cfg)
	c := Config{
		Host:         p.StringOr("host", ""),
		CertPath:     p.StringOr("certPath", ""),
		CAMaterial:   p.StringOr("caMaterial", ""),
		CertMaterial: p.StringOr("certMaterial", ""),
		KeyMaterial:  p.StringOr("keyMaterial", ""),
	}
	if c.Host == "" {
		c.Host = os.Getenv("DOCKER_HOST")
	}
	if c.Host == "" {
		c.Host = DefaultHost
	}
	// The Node.js SDK passes non-string provider arguments JSON-encoded.
	if opts, ok := p.Strings("sshOpts"); ok {
		c.SSHOpts = opts
	} else if s, ok := p.String("sshOpts"); ok && s != "" {
		if err := json.Unmarshal([]byte(s), &c.SSHOpts); err != nil {
			return fmt.Errorf("docker provider: sshOpts must be a list of strings: %w", err)
		}
	}
	if _, err := NewClient(c); err != nil { // validate the address early
		return err
	}
	e.mu.Lock()
	e.cfg, e.client = c, nil
	e.mu.Unlock()
	return nil
}

func (e *engine) get() (*Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client == nil {
		if e.cfg.Host == "" {
			e.cfg.Host = os.Getenv("DOCKER_HOST")
		}
		c, err := NewClient(e.cfg)
		if err != nil {
			return nil, err
		}
		e.client = c
	}
	return e.client, nil
}

// New builds the docker provider server.
func New(host *rpc.Host, version string) (pulumirpc.ResourceProviderServer, error) {
	e := &engine{}
	return rpc.NewProvider("docker", version, host, map[string]rpc.Resource{
		ContainerType:   &container{e: e},
		NetworkType:     &network{e: e},
		VolumeType:      &volume{e: e},
		RemoteImageType: &remoteImage{e: e},
	}, func(_ context.Context, cfg resource.PropertyMap) error { return e.configure(cfg) }), nil
}

// ---- helpers shared by the docker resources ----

const defaultsKey = "__defaults"

// autoName fills "name" when absent (reusing the previous auto-name), and records
// in "__defaults" that the name was generated (so replacements need not delete first).
func autoName(r *rpc.Req) resource.PropertyMap {
	news := r.News.Copy()
	if v, ok := news["name"]; ok && !v.IsNull() {
		delete(news, defaultsKey)
		return news
	}
	name := ""
	if old, ok := r.OldInputs["name"]; ok && old.IsString() && wasDefaulted(r.OldInputs, "name") {
		name = old.StringValue()
	}
	if name == "" {
		name = rpc.AutoName(r.Name, r.RandomSeed)
	}
	news["name"] = resource.NewStringProperty(name)
	news[defaultsKey] = rpc.StringList([]string{"name"})
	return news
}

func wasDefaulted(inputs resource.PropertyMap, key string) bool {
	d, ok := inputs[defaultsKey]
	if !ok || !d.IsArray() {
		return false
	}
	for _, e := range d.ArrayValue() {
		if e.IsString() && e.StringValue() == key {
			return true
		}
	}
	return false
}

// readInputs is what a Read keeps as inputs: the prior inputs, less the output-only keys when none were recorded (an import).
func readInputs(r *rpc.Req, outputOnly ...string) resource.PropertyMap {
	inputs := priorInputs(r).Copy()
	if len(r.OldInputs) == 0 {
		for _, k := range outputOnly {
			delete(inputs, resource.PropertyKey(k))
		}
	}
	return inputs
}

// inspectForRead inspects what a Read is about; found is false when it is gone (the engine then drops it from the state).
func inspectForRead[T any](ctx context.Context, e *engine, ref string,
	inspect func(*Client, context.Context, string) (*T, error)) (v *T, found bool, err error) {
	cl, err := e.get()
	if err != nil {
		return nil, false, err
	}
	v, err = inspect(cl, ctx, ref)
	if IsNotFound(err) {
		return nil, false, nil
	}
	return v, err == nil, err
}

// priorInputs returns the old inputs, or the old state if no inputs were recorded.
func priorInputs(r *rpc.Req) resource.PropertyMap {
	if len(r.OldInputs) > 0 {
		return r.OldInputs
	}
	return r.Olds
}

func labelList(m map[string]string) resource.PropertyValue {
	var out []resource.PropertyValue
	for _, k := range rpc.SortedKeys(m) {
		out = append(out, resource.NewObjectProperty(resource.PropertyMap{
			"label": resource.NewStringProperty(k), "value": resource.NewStringProperty(m[k])}))
	}
	return resource.NewArrayProperty(out)
}

func stringMap(m map[string]string) resource.PropertyValue {
	pm := resource.PropertyMap{}
	for k, v := range m {
		pm[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	return resource.NewObjectProperty(pm)
}

func setIfAbsent(pm resource.PropertyMap, key string, v resource.PropertyValue) {
	if old, ok := pm[resource.PropertyKey(key)]; ok && !old.IsNull() {
		return
	}
	pm[resource.PropertyKey(key)] = v
}
