package command

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/pkg/sftp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// copyToRemote copies an asset (file) or archive (directory, tar, zip, asset map)
// to a remote host over SFTP.
type copyToRemote struct{}

func (c *copyToRemote) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	news := r.News.Copy()
	p := rpc.View(news)
	var fs []rpc.CheckFailure
	if !p.Has("connection") {
		fs = append(fs, rpc.CheckFailure{Property: "connection", Reason: "connection is required"})
	} else if v := news["connection"]; !rpc.IsSecretInput(v) {
		news["connection"] = resource.MakeSecret(v)
	}
	if !p.Has("remotePath") {
		fs = append(fs, rpc.CheckFailure{Property: "remotePath", Reason: "remotePath is required"})
	}
	src, ok := p.Value("source")
	switch {
	case !ok:
		fs = append(fs, rpc.CheckFailure{Property: "source", Reason: "source (an asset or archive) is required"})
	case src.IsAsset():
		if a := src.AssetValue(); a.Hash == "" && a.HasContents() {
			if err := a.EnsureHash(); err != nil {
				fs = append(fs, rpc.CheckFailure{Property: "source", Reason: fmt.Sprintf("source: %v", err)})
			}
		}
	case src.IsArchive():
		if a := src.ArchiveValue(); a.Hash == "" && a.HasContents() {
			if err := a.EnsureHash(); err != nil {
				fs = append(fs, rpc.CheckFailure{Property: "source", Reason: fmt.Sprintf("source: %v", err)})
			}
		}
	case src.IsComputed():
	default:
		fs = append(fs, rpc.CheckFailure{Property: "source", Reason: "source must be a pulumi.asset.Asset or Archive"})
	}
	return news, fs, nil
}

// diffCopy: a new source (content hash), destination, target host or trigger replaces.
func diffCopy(olds, news resource.PropertyMap) rpc.DiffResult {
	return rpc.DiffInputs(olds, news, func(k string) bool {
		if k == "connection" {
			return connTargetChanged(olds, news)
		}
		return true
	})
}

func (c *copyToRemote) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	olds := r.OldInputs
	if len(olds) == 0 {
		olds = r.Olds
	}
	return diffCopy(olds, r.News), nil
}

func (c *copyToRemote) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", rpc.CopyInputs(r.News), nil
	}
	if err := c.copy(ctx, r); err != nil {
		return "", nil, err
	}
	return newID(), rpc.CopyInputs(r.News), nil
}

func (c *copyToRemote) Read(_ context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	return r.ID, r.Olds, r.OldInputs, nil
}

func (c *copyToRemote) Update(_ context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	return rpc.CopyInputs(r.News), nil // only credentials changed
}

func (c *copyToRemote) Delete(context.Context, *rpc.Req) error {
	return nil // as upstream: copied files are left on the host
}

func (c *copyToRemote) copy(ctx context.Context, r *rpc.Req) error {
	p := rpc.View(r.News)
	conn, err := connOf(r.News)
	if err != nil {
		return err
	}
	remotePath := p.StringOr("remotePath", "")
	src, _ := p.Value("source")
	client, closeFn, err := conn.dial(ctx, func(s string) { r.Status(ctx, s) })
	if err != nil {
		return err
	}
	defer closeFn()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("starting SFTP on %s: %w", conn.where(), err)
	}
	defer sc.Close()
	fail := func(what string, err error) error {
		return fmt.Errorf("copying to %s:%s: %s: %w", conn.where(), remotePath, what, err)
	}
	isDir := func(p string) bool {
		st, err := sc.Stat(p)
		return err == nil && st.IsDir()
	}
	switch {
	case src.IsAsset():
		a := src.AssetValue()
		dst := remotePath
		mode := os.FileMode(0o644)
		if lp, ok := a.GetPath(); ok {
			if st, err := os.Stat(lp); err == nil {
				mode = st.Mode().Perm()
			}
			if isDir(remotePath) {
				dst = path.Join(remotePath, filepath.Base(lp))
			}
		} else if isDir(remotePath) {
			return fail("remotePath is a directory", fmt.Errorf("a text or URI asset needs a file path"))
		}
		blob, err := a.Read()
		if err != nil {
			return fail("reading the source asset", err)
		}
		defer blob.Close()
		r.Status(ctx, "copying to "+dst)
		return writeRemote(sc, dst, blob, mode, fail)
	case src.IsArchive():
		a := src.ArchiveValue()
		base := remotePath
		localDir := ""
		if lp, ok := a.GetPath(); ok {
			if st, err := os.Stat(lp); err == nil && st.IsDir() {
				localDir = lp
				if isDir(remotePath) {
					base = path.Join(remotePath, filepath.Base(filepath.Clean(lp)))
				}
			}
		}
		if err := sc.MkdirAll(base); err != nil {
			return fail("creating "+base, err)
		}
		rd, err := a.Open()
		if err != nil {
			return fail("opening the source archive", err)
		}
		defer rd.Close()
		n := 0
		for {
			name, blob, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return fail("reading the source archive", err)
			}
			mode := os.FileMode(0o644)
			if localDir != "" {
				if st, err := os.Stat(filepath.Join(localDir, filepath.FromSlash(name))); err == nil {
					mode = st.Mode().Perm()
				}
			}
			dst := path.Join(base, name)
			if err := sc.MkdirAll(path.Dir(dst)); err != nil {
				return fail("creating "+path.Dir(dst), err)
			}
			if err := writeRemote(sc, dst, blob, mode, fail); err != nil {
				return err
			}
			n++
			r.Status(ctx, fmt.Sprintf("copied %d file(s) to %s", n, base))
		}
		return nil
	}
	return fmt.Errorf("source must be an asset or an archive")
}

func writeRemote(sc *sftp.Client, dst string, blob *asset.Blob, mode os.FileMode, fail func(string, error) error) error {
	f, err := sc.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return fail("creating "+dst, err)
	}
	if _, err := io.Copy(f, blob); err != nil {
		f.Close()
		return fail("writing "+dst, err)
	}
	if err := f.Close(); err != nil {
		return fail("closing "+dst, err)
	}
	if err := sc.Chmod(dst, mode); err != nil {
		return fail("chmod "+dst, err)
	}
	return nil
}
