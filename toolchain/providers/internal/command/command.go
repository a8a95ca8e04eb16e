// Package command implements queuekit's command provider (compatible with the
// @pulumi/command 1.2.1 SDK): local:Command, remote:Command, remote:CopyToRemote.
package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// Resource type tokens.
const (
	LocalCommandType  = "command:local:Command"
	RemoteCommandType = "command:remote:Command"
	CopyToRemoteType  = "command:remote:CopyToRemote"
)

// New builds the command provider server.
func New(host *rpc.Host, version string) (pulumirpc.ResourceProviderServer, error) {
	return rpc.NewProvider("command", version, host, map[string]rpc.Resource{
		LocalCommandType:  &cmdResource{remote: false},
		RemoteCommandType: &cmdResource{remote: true},
		CopyToRemoteType:  &copyToRemote{},
	}, nil), nil
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// connTargetChanged reports whether the connection now points at another machine or
// account (host, port, user, proxy target): only that replaces; new credentials do not.
func connTargetChanged(olds, news resource.PropertyMap) bool {
	ov, nv := olds["connection"], news["connection"]
	if rpc.Plain(nv).ContainsUnknowns() {
		return true
	}
	o, _ := rpc.View(resource.PropertyMap{"c": ov}).Object("c")
	n, _ := rpc.View(resource.PropertyMap{"c": nv}).Object("c")
	target := func(p rpc.Props) string {
		s := fmt.Sprintf("%s|%d|%s", p.StringOr("host", ""), p.IntOr("port", 22), p.StringOr("user", "root"))
		if px, ok := p.Object("proxy"); ok {
			s += fmt.Sprintf("|via %s|%d|%s", px.StringOr("host", ""), px.IntOr("port", 22), px.StringOr("user", "root"))
		}
		return s
	}
	return target(o) != target(n)
}

// diffCommand: triggers and the connection target replace; everything else updates in place.
func diffCommand(olds, news resource.PropertyMap) rpc.DiffResult {
	return rpc.DiffInputs(olds, news, func(k string) bool {
		switch k {
		case "triggers":
			return true
		case "connection":
			return connTargetChanged(olds, news)
		}
		return false
	})
}

// needsRerun: an update runs the update (or create) command unless only the
// connection's credentials changed.
func needsRerun(d rpc.DiffResult) bool {
	for _, k := range d.Changed {
		if k != "connection" {
			return true
		}
	}
	return false
}

type cmdResource struct{ remote bool }

func (c *cmdResource) Check(_ context.Context, r *rpc.Req) (resource.PropertyMap, []rpc.CheckFailure, error) {
	p := rpc.View(r.News)
	var fs []rpc.CheckFailure
	if l, ok := p.String("logging"); ok {
		switch l {
		case "stdout", "stderr", "stdoutAndStderr", "none":
		default:
			fs = append(fs, rpc.CheckFailure{Property: "logging",
				Reason: fmt.Sprintf("logging must be stdout, stderr, stdoutAndStderr or none; got %q", l)})
		}
	}
	if c.remote {
		if !p.Has("connection") {
			fs = append(fs, rpc.CheckFailure{Property: "connection", Reason: "connection is required"})
		} else if conn, ok := p.Object("connection"); ok && !p.AnyUnknown("connection") {
			if !conn.Has("host") {
				fs = append(fs, rpc.CheckFailure{Property: "connection.host", Reason: "connection.host is required"})
			}
		}
		// The SDK already marks connection secret; make sure it stays so whatever the caller did.
		if v, ok := r.News["connection"]; ok && !v.IsNull() && !rpc.IsSecretInput(v) {
			news := r.News.Copy()
			news["connection"] = resource.MakeSecret(v)
			return news, fs, nil
		}
	} else if interp, ok := p.Strings("interpreter"); ok && len(interp) == 0 {
		fs = append(fs, rpc.CheckFailure{Property: "interpreter", Reason: "interpreter must not be empty"})
	}
	return r.News, fs, nil
}

func (c *cmdResource) Diff(_ context.Context, r *rpc.Req) (rpc.DiffResult, error) {
	olds := r.OldInputs
	if len(olds) == 0 {
		olds = r.Olds
	}
	return diffCommand(olds, r.News), nil
}

// secretRun reports whether the command or what it receives is secret: its outputs are then secret too.
func secretRun(inputs resource.PropertyMap) bool {
	for _, k := range []resource.PropertyKey{"create", "update", "delete", "environment", "stdin"} {
		if v, ok := inputs[k]; ok && v.ContainsSecrets() {
			return true
		}
	}
	return false
}

func (c *cmdResource) outputs(inputs resource.PropertyMap, stdout, stderr resource.PropertyValue) resource.PropertyMap {
	outs := rpc.CopyInputs(inputs)
	secret := secretRun(inputs)
	outs["stdout"] = rpc.SecretIf(stdout, secret && !stdout.IsComputed())
	outs["stderr"] = rpc.SecretIf(stderr, secret && !stderr.IsComputed())
	return outs
}

// run executes one of the resource's commands. prev holds the previous outputs
// (for PULUMI_COMMAND_STDOUT/STDERR) or nil on create.
func (c *cmdResource) run(ctx context.Context, r *rpc.Req, op string, inputs, prev resource.PropertyMap) (string, string, error) {
	p := rpc.View(inputs)
	cmdKey := op
	command, ok := p.String(cmdKey)
	if op == "update" && (!ok || command == "") {
		cmdKey, command, ok = "create", p.StringOr("create", ""), p.Has("create")
	}
	if !ok || command == "" {
		return "", "", nil
	}
	secret := false
	if v, ok := inputs[resource.PropertyKey(cmdKey)]; ok {
		secret = v.ContainsSecrets()
	}
	env, _ := p.StringMap("environment")
	if env == nil {
		env = map[string]string{}
	}
	if prev != nil && p.BoolOr("addPreviousOutputInEnv", true) {
		pp := rpc.View(prev)
		env["PULUMI_COMMAND_STDOUT"] = pp.StringOr("stdout", "")
		env["PULUMI_COMMAND_STDERR"] = pp.StringOr("stderr", "")
	}
	logging := p.StringOr("logging", "stdoutAndStderr")
	emit := func(stream string) func(string) {
		if logging == "none" || (logging != "stdoutAndStderr" && logging != stream) {
			return nil
		}
		return func(line string) { r.Status(ctx, line) }
	}
	stdout := &lineSink{emit: emit("stdout")}
	stderr := &lineSink{emit: emit("stderr")}
	what := describe(op, command, secret)
	if cmdKey != op {
		what = describe(op+" (create)", command, secret)
	}

	var code int
	var err error
	where := "locally"
	if c.remote {
		conn, cerr := connOf(inputs)
		if cerr != nil {
			return "", "", cerr
		}
		where = "on " + conn.where()
		code, err = runRemote(ctx, conn, command, env, p.StringOr("stdin", ""), stdout, stderr,
			func(s string) { r.Status(ctx, s) })
	} else {
		interp, _ := p.Strings("interpreter")
		dir := p.StringOr("dir", "")
		if dir == "" {
			dir, _ = os.Getwd()
		}
		where = "locally (in " + dir + ")"
		code, err = runLocal(ctx, localRun{interpreter: interp, command: command, dir: dir, env: env,
			stdin: p.StringOr("stdin", "")}, stdout, stderr)
	}
	if err != nil {
		if _, isDial := err.(*dialError); isDial {
			return "", "", err
		}
		return stdout.output(), stderr.output(), &runError{what: what, where: where, code: code, tail: stderr.tail, reason: err}
	}
	return stdout.output(), stderr.output(), nil
}

func connOf(inputs resource.PropertyMap) (*connSpec, error) {
	conn, ok := rpc.View(inputs).Object("connection")
	if !ok {
		return nil, fmt.Errorf("connection is required")
	}
	return decodeConn(conn)
}

func (c *cmdResource) Create(ctx context.Context, r *rpc.Req) (string, resource.PropertyMap, error) {
	if r.Preview {
		return "", c.withFiles(r.News, c.outputs(r.News, rpc.Unknown(), rpc.Unknown()), true), nil
	}
	stdout, stderr, err := c.run(ctx, r, "create", r.News, nil)
	if err != nil {
		return "", nil, err
	}
	outs := c.outputs(r.News, resource.NewStringProperty(stdout), resource.NewStringProperty(stderr))
	return newID(), c.withFiles(r.News, outs, false), nil
}

func (c *cmdResource) Read(_ context.Context, r *rpc.Req) (string, resource.PropertyMap, resource.PropertyMap, error) {
	// A command has nothing to observe: the recorded state is the truth.
	return r.ID, r.Olds, r.OldInputs, nil
}

func (c *cmdResource) Update(ctx context.Context, r *rpc.Req) (resource.PropertyMap, error) {
	olds := r.OldInputs
	if len(olds) == 0 {
		olds = r.Olds
	}
	d := diffCommand(olds, r.News)
	if !needsRerun(d) {
		outs := c.outputs(r.News, r.Olds["stdout"], r.Olds["stderr"])
		return c.keepFiles(r, outs), nil
	}
	if r.Preview {
		return c.withFiles(r.News, c.outputs(r.News, rpc.Unknown(), rpc.Unknown()), true), nil
	}
	stdout, stderr, err := c.run(ctx, r, "update", r.News, r.Olds)
	if err != nil {
		return nil, err
	}
	outs := c.outputs(r.News, resource.NewStringProperty(stdout), resource.NewStringProperty(stderr))
	return c.withFiles(r.News, outs, false), nil
}

func (c *cmdResource) Delete(ctx context.Context, r *rpc.Req) error {
	inputs := r.Olds // outputs hold every input (secrets kept)
	if !rpc.View(inputs).Has("delete") {
		return nil
	}
	_, _, err := c.run(ctx, r, "delete", inputs, r.Olds)
	return err
}

// withFiles adds the assets/archive outputs for local commands with assetPaths/archivePaths.
func (c *cmdResource) withFiles(inputs, outs resource.PropertyMap, preview bool) resource.PropertyMap {
	if c.remote {
		return outs
	}
	p := rpc.View(inputs)
	assetGlobs, hasA := p.Strings("assetPaths")
	archiveGlobs, hasR := p.Strings("archivePaths")
	if !hasA && !hasR {
		return outs
	}
	if preview {
		if hasA {
			outs["assets"] = rpc.Unknown()
		}
		if hasR {
			outs["archive"] = rpc.Unknown()
		}
		return outs
	}
	dir := p.StringOr("dir", "")
	if dir == "" {
		dir, _ = os.Getwd()
	}
	if hasA {
		if m, err := globAssets(dir, assetGlobs); err == nil {
			outs["assets"] = m
		}
	}
	if hasR {
		if a, err := globArchive(dir, archiveGlobs); err == nil {
			outs["archive"] = a
		}
	}
	return outs
}

func (c *cmdResource) keepFiles(r *rpc.Req, outs resource.PropertyMap) resource.PropertyMap {
	for _, k := range []resource.PropertyKey{"assets", "archive"} {
		if v, ok := r.Olds[k]; ok {
			outs[k] = v
		}
	}
	return outs
}
