package docker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

type network struct{ e *engine }

type ipamConfig struct {
	Subnet     string            `json:",omitempty"`
	IPRange    string            `json:",omitempty"`
	Gateway    string            `json:",omitempty"`
	AuxAddress map[string]string `json:"AuxiliaryAddresses,omitempty"`
}

type networkInspect struct {
	ID         string `json:"Id"`
	Name       string
	Scope      string
	Driver     string
	Internal   bool
	Attachable bool
	Ingress    bool
	EnableIPv6 bool
	Options    map[string]string
	IPAM       struct {
		Driver  string
		Config  []ipamConfig
		Options map[string]string
	}
}

func (n *network) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	return autoName(r), nil, nil
}

// Every network setting is fixed at creation: any change replaces the network.
func diffNetwork(olds, news resource.PropertyMap) rpc.DiffResult {
	d := rpc.DiffInputs(olds, news, func(string) bool { return true })
	d.DeleteBeforeReplace = !wasDefaulted(news, "name")
	return d
}

func (n *network) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	return diffNetwork(priorInputs(r), r.News), nil
}

func networkCreateBody(p rpc.Props) map[string]any {
	body := map[string]any{
		"Name":           p.StringOr("name", ""),
		"CheckDuplicate": true,
		"Driver":         p.StringOr("driver", "bridge"),
		"Internal":       p.BoolOr("internal", false),
		"Attachable":     p.BoolOr("attachable", false),
		"Ingress":        p.BoolOr("ingress", false),
		"EnableIPv6":     p.BoolOr("ipv6", false),
	}
	if o, ok := p.StringMap("options"); ok {
		body["Options"] = o
	}
	if l := labelsOf(p.Objects("labels")); l != nil {
		body["Labels"] = l
	}
	ipam := map[string]any{"Driver": p.StringOr("ipamDriver", "default")}
	if o, ok := p.StringMap("ipamOptions"); ok {
		ipam["Options"] = o
	}
	var cfgs []ipamConfig
	for _, c := range p.Objects("ipamConfigs") {
		aux, _ := c.StringMap("auxAddress")
		cfgs = append(cfgs, ipamConfig{Subnet: c.StringOr("subnet", ""), IPRange: c.StringOr("ipRange", ""),
			Gateway: c.StringOr("gateway", ""), AuxAddress: aux})
	}
	if len(cfgs) > 0 {
		ipam["Config"] = cfgs
	}
	body["IPAM"] = ipam
	return body
}

func networkOutputs(inputs resource.PropertyMap, ni *networkInspect) resource.PropertyMap {
	outs := rpc.CopyInputs(inputs)
	if ni == nil {
		for _, k := range []string{"scope", "driver", "internal", "ipamConfigs", "options"} {
			setIfAbsent(outs, k, rpc.Unknown())
		}
		return outs
	}
	outs["name"] = resource.NewStringProperty(ni.Name)
	outs["scope"] = resource.NewStringProperty(ni.Scope)
	setIfAbsent(outs, "driver", resource.NewStringProperty(ni.Driver))
	setIfAbsent(outs, "internal", resource.NewBoolProperty(ni.Internal))
	setIfAbsent(outs, "options", stringMap(ni.Options))
	var cfgs []resource.PropertyValue
	for _, c := range ni.IPAM.Config {
		m := resource.PropertyMap{
			"subnet": resource.NewStringProperty(c.Subnet), "ipRange": resource.NewStringProperty(c.IPRange),
			"gateway": resource.NewStringProperty(c.Gateway)}
		if len(c.AuxAddress) > 0 {
			m["auxAddress"] = stringMap(c.AuxAddress)
		}
		cfgs = append(cfgs, resource.NewObjectProperty(m))
	}
	setIfAbsent(outs, "ipamConfigs", resource.NewArrayProperty(cfgs))
	return outs
}

func (c *Client) inspectNetwork(ctx context.Context, id string) (*networkInspect, error) {
	var ni networkInspect
	if err := c.Do(ctx, http.MethodGet, "/networks/"+url.PathEscape(id), nil, nil, &ni); err != nil {
		return nil, err
	}
	return &ni, nil
}

func (n *network) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", networkOutputs(r.News, nil), nil
	}
	cl, err := n.e.get()
	if err != nil {
		return "", nil, err
	}
	p := rpc.View(r.News)
	var created struct {
		ID      string `json:"Id"`
		Warning string
	}
	name := p.StringOr("name", "")
	if err := cl.Do(ctx, http.MethodPost, "/networks/create", nil, networkCreateBody(p), &created); err != nil {
		return "", nil, fmt.Errorf("creating network %s on %s: %w", name, cl.Host(), err)
	}
	if created.Warning != "" {
		r.Log(ctx, rpc.Warning, "docker: "+created.Warning)
	}
	ni, err := cl.inspectNetwork(ctx, created.ID)
	if err != nil {
		return "", nil, fmt.Errorf("inspecting network %s: %w", name, err)
	}
	return created.ID, networkOutputs(r.News, ni), nil
}

func (n *network) Read(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	ni, found, err := inspectForRead(ctx, n.e, r.ID, (*Client).inspectNetwork)
	if err != nil || !found {
		return "", nil, nil, err
	}
	inputs := readInputs(r, "scope")
	return ni.ID, networkOutputs(inputs, ni), inputs, nil
}

func (n *network) Update(ctx context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	// Only reached for changes that replace; keep the state consistent anyway.
	outs := rpc.CopyInputs(r.News)
	for _, k := range []string{"scope", "driver", "internal", "ipamConfigs", "options"} {
		if v, ok := r.Olds[resource.PropertyKey(k)]; ok {
			setIfAbsent(outs, k, v)
		}
	}
	return outs, nil
}

func (n *network) Delete(ctx context.Context, r *rpc.Req) error {
	cl, err := n.e.get()
	if err != nil {
		return err
	}
	return retryBusy(ctx, 30*time.Second, func() error {
		err := cl.Do(ctx, http.MethodDelete, "/networks/"+url.PathEscape(r.ID), nil, nil, nil)
		if IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("removing network %s: %w", rpc.View(r.Olds).StringOr("name", r.ID), err)
		}
		return nil
	})
}

// retryBusy retries f while the engine reports the object still in use.
func retryBusy(ctx context.Context, limit time.Duration, f func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		msg := err.Error()
		if !IsConflict(err) && !strings.Contains(msg, "in use") && !strings.Contains(msg, "active endpoints") {
			return err
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return err
		}
	}
}
