package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pkg/sftp"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi-go-provider/infer/types"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// CopyToRemote is command:remote:CopyToRemote: an asset or archive copied to a host over SFTP.
type CopyToRemote struct{}

// CopyToRemoteInputs are the resource's inputs.
type CopyToRemoteInputs struct {
	Connection *Connection          `pulumi:"connection"        provider:"secret"`
	Triggers   *[]any               `pulumi:"triggers,optional" provider:"replaceOnChanges"`
	Source     types.AssetOrArchive `pulumi:"source"`
	RemotePath string               `pulumi:"remotePath"`
}

// CopyToRemoteOutputs are the inputs as copied.
type CopyToRemoteOutputs struct {
	CopyToRemoteInputs
}

var copyToRemoteKeys = []string{"connection", "triggers", "source", "remotePath"}

// Annotate documents the resource.
func (c *CopyToRemote) Annotate(a infer.Annotator) {
	a.Describe(&c, "Copy an Asset or Archive to a remote host.")
}

// Annotate documents the inputs.
func (c *CopyToRemoteInputs) Annotate(a infer.Annotator) {
	a.Describe(&c.Connection, "The parameters with which to connect to the remote host. A change updates in place (nothing is copied again unless source or remotePath changed).")
	a.Describe(&c.Triggers, "Values whose change replaces the resource (copies again).")
	a.Describe(&c.Source, "An asset or an archive to upload as the source of the copy. It must be path-based (or text, or an asset archive). A change copies again, in place.")
	a.Describe(&c.RemotePath, "The destination path on the remote host (parents are created). A file source lands at remotePath, or inside it when it is an existing directory. A directory source is copied as a directory of the same name inside remotePath; with a trailing `/` on the source path, its contents are copied into remotePath. An asset archive's members are written below remotePath.")
}

// Check refuses unknown properties, impossible connection values, and a source that is neither one asset nor one archive.
func (*CopyToRemote) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CopyToRemoteInputs], error) {
	in, failures, err := checkInputs[CopyToRemoteInputs](ctx, req.NewInputs, copyToRemoteKeys)
	if err != nil {
		return infer.CheckResponse[CopyToRemoteInputs]{Inputs: in, Failures: shell.HideValues(failures, secretProps...)}, err
	}
	if src, ok := req.NewInputs.GetOk("source"); ok && !src.IsComputed() {
		switch {
		case !src.IsAsset() && !src.IsArchive():
			failures = append(failures, p.CheckFailure{Property: "source", Reason: "source must be an asset (pulumi.asset.FileAsset/StringAsset/RemoteAsset) or an archive (FileArchive/AssetArchive/RemoteArchive)"})
		case in.Source.Asset != nil && in.Source.Asset.IsURI() && !strings.HasPrefix(in.Source.Asset.URI, "file:"):
			// a remote asset is read at copy time; refuse schemes the SDK's Asset reader does not know
			if !strings.HasPrefix(in.Source.Asset.URI, "http://") && !strings.HasPrefix(in.Source.Asset.URI, "https://") {
				failures = append(failures, p.CheckFailure{Property: "source", Reason: fmt.Sprintf("source URI %q: only file:, http: and https: are supported", in.Source.Asset.URI)})
			}
		}
	}
	if rp, ok := req.NewInputs.GetOk("remotePath"); ok && rp.IsString() && rp.AsString() == "" {
		failures = append(failures, p.CheckFailure{Property: "remotePath", Reason: "remotePath is empty: give the destination path on the remote host"})
	}
	return infer.CheckResponse[CopyToRemoteInputs]{Inputs: in, Failures: shell.HideValues(failures, secretProps...)}, nil
}

// Create copies the source (nothing in preview).
func (*CopyToRemote) Create(ctx context.Context, req infer.CreateRequest[CopyToRemoteInputs]) (infer.CreateResponse[CopyToRemoteOutputs], error) {
	out := CopyToRemoteOutputs{req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun {
		return infer.CreateResponse[CopyToRemoteOutputs]{ID: id, Output: out}, err
	}
	return infer.CreateResponse[CopyToRemoteOutputs]{ID: id, Output: out}, copyToRemote(ctx, req.Inputs)
}

// Update copies again only when the source's content or the destination changed; a new connection alone
// is just recorded.
func (*CopyToRemote) Update(ctx context.Context, req infer.UpdateRequest[CopyToRemoteInputs, CopyToRemoteOutputs]) (infer.UpdateResponse[CopyToRemoteOutputs], error) {
	out := CopyToRemoteOutputs{req.Inputs}
	if req.DryRun || !needsCopy(req.State.CopyToRemoteInputs, req.Inputs) {
		return infer.UpdateResponse[CopyToRemoteOutputs]{Output: out}, nil
	}
	return infer.UpdateResponse[CopyToRemoteOutputs]{Output: out}, copyToRemote(ctx, req.Inputs)
}

// needsCopy: the content hash of the source or the destination changed.
func needsCopy(old, news CopyToRemoteInputs) bool {
	return sourceHash(old.Source) != sourceHash(news.Source) || old.RemotePath != news.RemotePath
}

func sourceHash(s types.AssetOrArchive) string {
	switch {
	case s.Archive != nil:
		return "archive:" + s.Archive.Hash
	case s.Asset != nil:
		return "asset:" + s.Asset.Hash
	}
	return ""
}

func copyToRemote(ctx context.Context, in CopyToRemoteInputs) error {
	return withSFTP(ctx, in.Connection, func(c *sftp.Client) error {
		switch {
		case in.Source.Asset != nil:
			return copyAsset(c, in.Source.Asset, in.RemotePath)
		case in.Source.Archive != nil:
			return copyArchive(c, in.Source.Archive, in.RemotePath)
		}
		return errors.New("source: neither an asset nor an archive")
	})
}

func withSFTP(ctx context.Context, conn *Connection, fn func(*sftp.Client) error) error {
	if conn == nil {
		return errors.New("connection is not set: give the host to connect to")
	}
	client, err := conn.Dial(ctx)
	if err != nil {
		return err
	}
	defer client.Close()
	sc, err := sftp.NewClient(client)
	if err != nil {
		return fmt.Errorf("starting SFTP on %s (the server needs an sftp subsystem): %w", conn.endpoint(), err)
	}
	defer sc.Close()
	return fn(sc)
}

func remoteStat(c *sftp.Client, p string) (fs.FileInfo, error) {
	st, err := c.Stat(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remotePath %s: %w", p, err)
	}
	return st, nil
}

// destFile is where a single file named base lands: inside remotePath when that is a directory, else remotePath
// itself (its parents created).
func destFile(c *sftp.Client, remotePath, base string) (string, error) {
	st, err := remoteStat(c, remotePath)
	if err != nil {
		return "", err
	}
	if st != nil && st.IsDir() {
		if base == "" {
			return "", fmt.Errorf("remotePath %s is a directory and the source has no file name: give a file path", remotePath)
		}
		return path.Join(remotePath, base), nil
	}
	if err := c.MkdirAll(path.Dir(remotePath)); err != nil {
		return "", fmt.Errorf("creating the parent directories of %s: %w", remotePath, err)
	}
	return remotePath, nil
}

func writeRemote(c *sftp.Client, dest string, r io.Reader, mode fs.FileMode) error {
	f, err := c.Create(dest)
	if err != nil {
		return fmt.Errorf("creating %s: %w", dest, err)
	}
	if _, err := f.ReadFrom(r); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", dest, err)
	}
	if mode != 0 {
		if err := c.Chmod(dest, mode.Perm()); err != nil {
			return fmt.Errorf("chmod %s: %w", dest, err)
		}
	}
	return nil
}

func copyAsset(c *sftp.Client, a *resource.Asset, remotePath string) error {
	switch {
	case a.IsPath():
		return copyPath(c, a.Path, remotePath)
	case a.IsText():
		dest, err := destFile(c, remotePath, "")
		if err != nil {
			return err
		}
		return writeRemote(c, dest, strings.NewReader(a.Text), 0)
	case a.IsURI():
		blob, err := a.Read()
		if err != nil {
			return fmt.Errorf("source: reading %s: %w", a.URI, err)
		}
		defer blob.Close()
		dest, err := destFile(c, remotePath, path.Base(strings.SplitN(a.URI, "?", 2)[0]))
		if err != nil {
			return err
		}
		return writeRemote(c, dest, blob, 0)
	}
	return errors.New("source: the asset has no path, text or URI")
}

func copyArchive(c *sftp.Client, a *resource.Archive, remotePath string) error {
	switch {
	case a.IsPath():
		return copyPath(c, a.Path, remotePath)
	case a.IsURI():
		format, rc, err := a.ReadSourceArchive()
		if err != nil {
			return fmt.Errorf("source: reading %s: %w", a.URI, err)
		}
		if format == archive.NotArchive || rc == nil {
			return fmt.Errorf("source: %s is not an archive format Pulumi knows", a.URI)
		}
		defer rc.Close()
		dest, err := destFile(c, remotePath, path.Base(strings.SplitN(a.URI, "?", 2)[0]))
		if err != nil {
			return err
		}
		return writeRemote(c, dest, rc, 0)
	case a.IsAssets():
		if err := hydrateMembers(a); err != nil {
			return err
		}
		st, err := remoteStat(c, remotePath)
		if err != nil {
			return err
		}
		if st != nil && !st.IsDir() {
			return fmt.Errorf("remotePath %s is a file: an asset archive is copied into a directory", remotePath)
		}
		if err := c.MkdirAll(remotePath); err != nil {
			return fmt.Errorf("creating %s: %w", remotePath, err)
		}
		reader, err := a.Open()
		if err != nil {
			return fmt.Errorf("source: opening the asset archive: %w", err)
		}
		defer reader.Close()
		for {
			name, blob, err := reader.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("source: reading the asset archive: %w", err)
			}
			dest := path.Join(remotePath, filepath.ToSlash(name))
			if err := c.MkdirAll(path.Dir(dest)); err != nil {
				_ = blob.Close()
				return fmt.Errorf("creating %s: %w", path.Dir(dest), err)
			}
			err = writeRemote(c, dest, blob, 0)
			_ = blob.Close()
			if err != nil {
				return err
			}
		}
	}
	return errors.New("source: the archive has no path, URI or assets")
}

// hydrateMembers turns the members of an asset archive that arrived in their serialized form (maps with the
// asset/archive signature, which is how infer's decoding leaves nested members) back into assets and archives:
// an archive's reader silently skips members of any other type, so nothing would be copied.
func hydrateMembers(a *resource.Archive) error {
	for name, m := range a.Assets {
		obj, ok := m.(map[string]any)
		if !ok {
			continue
		}
		if asset, isAsset, err := resource.DeserializeAsset(obj); err != nil {
			return fmt.Errorf("source: member %s: %w", name, err)
		} else if isAsset {
			a.Assets[name] = asset
			continue
		}
		arch, isArchive, err := resource.DeserializeArchive(obj)
		if err != nil {
			return fmt.Errorf("source: member %s: %w", name, err)
		}
		if !isArchive {
			return fmt.Errorf("source: member %s is neither an asset nor an archive", name)
		}
		if err := hydrateMembers(arch); err != nil {
			return err
		}
		a.Assets[name] = arch
	}
	return nil
}

// copyPath copies a local file or directory: a file into remotePath (or into it when it is a directory); a
// directory as a directory of the same name inside remotePath, or its contents into remotePath when the source
// path ends in `/` (rsync's rule, as upstream).
func copyPath(c *sftp.Client, local, remotePath string) error {
	st, err := os.Stat(local)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if !st.IsDir() {
		dest, err := destFile(c, remotePath, filepath.Base(local))
		if err != nil {
			return err
		}
		f, err := os.Open(local)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		defer f.Close()
		return writeRemote(c, dest, f, st.Mode())
	}
	rst, err := remoteStat(c, remotePath)
	if err != nil {
		return err
	}
	if rst != nil && !rst.IsDir() {
		return fmt.Errorf("remotePath %s is a file: a directory source needs a directory", remotePath)
	}
	dest := remotePath
	if !strings.HasSuffix(local, "/") {
		dest = path.Join(remotePath, filepath.Base(local))
	}
	return filepath.WalkDir(local, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(local, p)
		if err != nil {
			return err
		}
		target := path.Join(dest, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if err := c.MkdirAll(target); err != nil {
				return fmt.Errorf("creating %s: %w", target, err)
			}
			return c.Chmod(target, info.Mode().Perm())
		}
		if !info.Mode().IsRegular() {
			return nil // sockets, devices and symlinks are not copied, as scp -r would not either
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return writeRemote(c, target, f, info.Mode())
	})
}

var (
	_ infer.CustomCheck[CopyToRemoteInputs]                       = (*CopyToRemote)(nil)
	_ infer.CustomUpdate[CopyToRemoteInputs, CopyToRemoteOutputs] = (*CopyToRemote)(nil)
)
