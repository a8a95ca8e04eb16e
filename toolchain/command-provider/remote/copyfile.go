package remote

import (
	"context"
	"fmt"
	"os"

	"github.com/pkg/sftp"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// CopyFile is command:remote:CopyFile (deprecated upstream in favour of CopyToRemote): one local file copied
// to a host. It has no update: any change of its inputs copies again as a replacement, as upstream.
type CopyFile struct{}

// CopyFileInputs are the resource's inputs.
type CopyFileInputs struct {
	Connection *Connection `pulumi:"connection"        provider:"secret"`
	Triggers   *[]any      `pulumi:"triggers,optional"`
	LocalPath  string      `pulumi:"localPath"`
	RemotePath string      `pulumi:"remotePath"`
}

// CopyFileOutputs are the inputs as copied.
type CopyFileOutputs struct {
	CopyFileInputs
}

var copyFileKeys = []string{"connection", "triggers", "localPath", "remotePath"}

// Annotate documents the resource and marks it deprecated, as the SDK does.
func (c *CopyFile) Annotate(a infer.Annotator) {
	a.Describe(&c, "Copy a local file to a remote host.")
	a.Deprecate(&c, "This resource is deprecated and will be removed in a future release. Please use the `CopyToRemote` resource instead.")
}

// Annotate documents the inputs.
func (c *CopyFileInputs) Annotate(a infer.Annotator) {
	a.Describe(&c.Connection, "The parameters with which to connect to the remote host.")
	a.Describe(&c.Triggers, "Trigger replacements on changes to this input.")
	a.Describe(&c.LocalPath, "The path of the file to be copied.")
	a.Describe(&c.RemotePath, "The destination path in the remote host.")
}

// Check refuses unknown properties, impossible connection values and a localPath that is not a readable file.
func (*CopyFile) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[CopyFileInputs], error) {
	in, failures, err := checkInputs[CopyFileInputs](ctx, req.NewInputs, copyFileKeys)
	if lp, ok := req.NewInputs.GetOk("localPath"); ok && lp.IsString() {
		if st, statErr := os.Stat(lp.AsString()); statErr != nil {
			failures = append(failures, p.CheckFailure{Property: "localPath", Reason: fmt.Sprintf("localPath %q cannot be read: %v", lp.AsString(), statErr)})
		} else if !st.Mode().IsRegular() {
			failures = append(failures, p.CheckFailure{Property: "localPath", Reason: fmt.Sprintf("localPath %q is not a regular file: CopyFile copies one file; use CopyToRemote with a FileArchive for a directory", lp.AsString())})
		}
	}
	if rp, ok := req.NewInputs.GetOk("remotePath"); ok && rp.IsString() && rp.AsString() == "" {
		failures = append(failures, p.CheckFailure{Property: "remotePath", Reason: "remotePath is empty: give the destination path on the remote host"})
	}
	return infer.CheckResponse[CopyFileInputs]{Inputs: in, Failures: shell.HideValues(failures, secretProps...)}, err
}

// Create copies the file to remotePath exactly (nothing in preview).
func (*CopyFile) Create(ctx context.Context, req infer.CreateRequest[CopyFileInputs]) (infer.CreateResponse[CopyFileOutputs], error) {
	out := CopyFileOutputs{req.Inputs}
	id, err := resource.NewUniqueHex(req.Name, 8, 0)
	if err != nil || req.DryRun {
		return infer.CreateResponse[CopyFileOutputs]{ID: id, Output: out}, err
	}
	err = withSFTP(ctx, req.Inputs.Connection, func(c *sftp.Client) error {
		src, err := os.Open(req.Inputs.LocalPath)
		if err != nil {
			return fmt.Errorf("localPath: %w", err)
		}
		defer src.Close()
		return writeRemote(c, req.Inputs.RemotePath, src, 0)
	})
	return infer.CreateResponse[CopyFileOutputs]{ID: id, Output: out}, err
}

var _ infer.CustomCheck[CopyFileInputs] = (*CopyFile)(nil)
