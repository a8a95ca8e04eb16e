package docker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

type volume struct{ e *engine }

type volumeInspect struct {
	Name       string
	Driver     string
	Mountpoint string
	Labels     map[string]string
	Options    map[string]string
}

func (v *volume) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	var fs []rpc.CheckFailure
	if rpc.View(r.News).Has("cluster") {
		fs = append(fs, failure("cluster", "cluster volumes are not supported by queuekit's docker provider"))
	}
	return autoName(r), fs, nil
}

func (v *volume) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	d := rpc.DiffInputs(priorInputs(r), r.News, func(string) bool { return true })
	d.DeleteBeforeReplace = !wasDefaulted(r.News, "name")
	return d, nil
}

func volumeOutputs(inputs resource.PropertyMap, vi *volumeInspect) resource.PropertyMap {
	outs := rpc.CopyInputs(inputs)
	if vi == nil {
		setIfAbsent(outs, "mountpoint", rpc.Unknown())
		setIfAbsent(outs, "driver", rpc.Unknown())
		return outs
	}
	outs["name"] = resource.NewStringProperty(vi.Name)
	outs["mountpoint"] = resource.NewStringProperty(vi.Mountpoint)
	setIfAbsent(outs, "driver", resource.NewStringProperty(vi.Driver))
	return outs
}

func (c *Client) inspectVolume(ctx context.Context, name string) (*volumeInspect, error) {
	var vi volumeInspect
	if err := c.Do(ctx, http.MethodGet, "/volumes/"+url.PathEscape(name), nil, nil, &vi); err != nil {
		return nil, err
	}
	return &vi, nil
}

func (v *volume) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", volumeOutputs(r.News, nil), nil
	}
	cl, err := v.e.get()
	if err != nil {
		return "", nil, err
	}
	p := rpc.View(r.News)
	body := map[string]any{"Name": p.StringOr("name", ""), "Driver": p.StringOr("driver", "local")}
	if o, ok := p.StringMap("driverOpts"); ok {
		body["DriverOpts"] = o
	}
	if l := labelsOf(p.Objects("labels")); l != nil {
		body["Labels"] = l
	}
	var vi volumeInspect
	if err := cl.Do(ctx, http.MethodPost, "/volumes/create", nil, body, &vi); err != nil {
		return "", nil, fmt.Errorf("creating volume %s on %s: %w", body["Name"], cl.Host(), err)
	}
	return vi.Name, volumeOutputs(r.News, &vi), nil
}

func (v *volume) Read(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	vi, found, err := inspectForRead(ctx, v.e, r.ID, (*Client).inspectVolume)
	if err != nil || !found {
		return "", nil, nil, err
	}
	inputs := readInputs(r, "mountpoint")
	return vi.Name, volumeOutputs(inputs, vi), inputs, nil
}

func (v *volume) Update(_ context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	outs := rpc.CopyInputs(r.News)
	for _, k := range []string{"mountpoint", "driver"} {
		if val, ok := r.Olds[resource.PropertyKey(k)]; ok {
			setIfAbsent(outs, k, val)
		}
	}
	return outs, nil
}

func (v *volume) Delete(ctx context.Context, r *rpc.Req) error {
	cl, err := v.e.get()
	if err != nil {
		return err
	}
	return retryBusy(ctx, 30*time.Second, func() error {
		err := cl.Do(ctx, http.MethodDelete, "/volumes/"+url.PathEscape(r.ID), nil, nil, nil)
		if err == nil || IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("removing volume %s: %w", r.ID, err)
	})
}
