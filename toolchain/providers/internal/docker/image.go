package docker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// remoteImage resolves an image on the engine: a local image is used as is, a
// missing one is pulled.
type remoteImage struct{ e *engine }

var imageInPlace = map[string]bool{"keepLocally": true, "forceRemove": true}

type imageInspect struct {
	ID          string `json:"Id"`
	RepoTags    []string
	RepoDigests []string
}

func (i *remoteImage) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	p := rpc.View(r.News)
	var fs []rpc.CheckFailure
	if !p.Has("name") {
		fs = append(fs, failure("name", "name is required (an image reference such as redis:7-alpine)"))
	}
	if p.Has("build") {
		fs = append(fs, failure("build", "build is not supported by queuekit's docker provider: build the image beforehand"))
	}
	return r.News, fs, nil
}

func diffImage(olds, news resource.PropertyMap) rpc.DiffResult {
	return rpc.DiffInputs(olds, news, func(k string) bool { return !imageInPlace[k] })
}

func (i *remoteImage) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	return diffImage(priorInputs(r), r.News), nil
}

func (c *Client) inspectImage(ctx context.Context, ref string) (*imageInspect, error) {
	var ii imageInspect
	if err := c.Do(ctx, http.MethodGet, "/images/"+url.PathEscape(ref)+"/json", nil, nil, &ii); err != nil {
		return nil, err
	}
	return &ii, nil
}

func imageOutputs(inputs resource.PropertyMap, ii *imageInspect) resource.PropertyMap {
	outs := rpc.CopyInputs(inputs)
	if ii == nil {
		outs["imageId"] = rpc.Unknown()
		outs["repoDigest"] = rpc.Unknown()
		return outs
	}
	outs["imageId"] = resource.NewStringProperty(ii.ID)
	// A locally built or loaded image has no registry digest; its ID is then the
	// most precise reference Docker accepts.
	digest := ii.ID
	if len(ii.RepoDigests) > 0 {
		digest = ii.RepoDigests[0]
	}
	outs["repoDigest"] = resource.NewStringProperty(digest)
	return outs
}

func (i *remoteImage) resolve(ctx context.Context, r *rpc.Req, p rpc.Props) (*imageInspect, error) {
	cl, err := i.e.get()
	if err != nil {
		return nil, err
	}
	name := p.StringOr("name", "")
	ii, err := cl.inspectImage(ctx, name)
	if err == nil {
		return ii, nil
	}
	if !IsNotFound(err) {
		return nil, fmt.Errorf("image %q on %s: %w", name, cl.Host(), err)
	}
	r.Status(ctx, "pulling "+name)
	if perr := cl.PullImage(ctx, name, p.StringOr("platform", "")); perr != nil {
		return nil, fmt.Errorf("image %q is not present on the Docker engine at %s and pulling it failed: %v", name, cl.Host(), perr)
	}
	ii, err = cl.inspectImage(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("image %q: pulled but cannot be inspected: %w", name, err)
	}
	return ii, nil
}

func (i *remoteImage) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", imageOutputs(r.News, nil), nil
	}
	p := rpc.View(r.News)
	ii, err := i.resolve(ctx, r, p)
	if err != nil {
		return "", nil, err
	}
	return ii.ID + p.StringOr("name", ""), imageOutputs(r.News, ii), nil
}

func (i *remoteImage) Read(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	inputs := readInputs(r, "imageId", "repoDigest")
	ii, found, err := inspectForRead(ctx, i.e, rpc.View(inputs).StringOr("name", ""), (*Client).inspectImage)
	if err != nil || !found {
		return "", nil, nil, err
	}
	return r.ID, imageOutputs(inputs, ii), inputs, nil
}

func (i *remoteImage) Update(ctx context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	outs := rpc.CopyInputs(r.News)
	for _, k := range []string{"imageId", "repoDigest"} {
		if v, ok := r.Olds[resource.PropertyKey(k)]; ok {
			outs[resource.PropertyKey(k)] = v
		}
	}
	return outs, nil
}

func (i *remoteImage) Delete(ctx context.Context, r *rpc.Req) error {
	p := rpc.View(r.Olds)
	if p.BoolOr("keepLocally", false) {
		return nil
	}
	cl, err := i.e.get()
	if err != nil {
		return err
	}
	name := p.StringOr("name", "")
	q := url.Values{}
	if p.BoolOr("forceRemove", false) {
		q.Set("force", "1")
	}
	err = cl.Do(ctx, http.MethodDelete, "/images/"+url.PathEscape(name), q, nil, nil)
	switch {
	case err == nil || IsNotFound(err):
		return nil
	case IsConflict(err):
		r.Log(ctx, rpc.Warning, fmt.Sprintf("image %s kept: %v", name, err))
		return nil
	}
	return fmt.Errorf("removing image %s: %w", name, err)
}
