package command

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"golang.org/x/crypto/ssh"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// testSSHServer is a minimal in-process SSH server: key auth, "env" requests
// accepted only for QK_* names (like sshd's AcceptEnv), "exec" through sh, and
// the sftp subsystem.
func testSSHServer(t *testing.T) (addr, clientKey string) {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, _ := ssh.NewSignerFromKey(hostPriv)
	cliPub, cliPriv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(cliPub)
	block, err := ssh.MarshalPrivateKey(cliPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), sshPub.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSSH(c, cfg)
		}
	}()
	return ln.Addr().String(), string(pem.EncodeToMemory(block))
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig) {
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() == "direct-tcpip" { // jump-host forwarding
			var fwd struct {
				Host     string
				Port     uint32
				OrigHost string
				OrigPort uint32
			}
			_ = ssh.Unmarshal(nc.ExtraData(), &fwd)
			target, err := net.Dial("tcp", net.JoinHostPort(fwd.Host, fmt.Sprint(fwd.Port)))
			if err != nil {
				_ = nc.Reject(ssh.ConnectionFailed, err.Error())
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				target.Close()
				continue
			}
			go ssh.DiscardRequests(creqs)
			go func() { _, _ = io.Copy(ch, target); ch.Close() }()
			go func() { _, _ = io.Copy(target, ch); target.Close() }()
			continue
		}
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "no")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			var env []string
			for req := range creqs {
				switch req.Type {
				case "env":
					var kv struct{ Name, Value string }
					_ = ssh.Unmarshal(req.Payload, &kv)
					ok := strings.HasPrefix(kv.Name, "QK_")
					if ok {
						env = append(env, kv.Name+"="+kv.Value)
					}
					_ = req.Reply(ok, nil)
				case "exec":
					var cmd struct{ Command string }
					_ = ssh.Unmarshal(req.Payload, &cmd)
					_ = req.Reply(true, nil)
					x := exec.Command("/bin/sh", "-c", cmd.Command)
					x.Env = append(os.Environ(), env...)
					x.Stdin, x.Stdout, x.Stderr = ch, ch, ch.Stderr()
					code := 0
					if err := x.Run(); err != nil {
						var ee *exec.ExitError
						code = 255
						if errors.As(err, &ee) {
							code = ee.ExitCode()
						}
					}
					st := make([]byte, 4)
					binary.BigEndian.PutUint32(st, uint32(code))
					_, _ = ch.SendRequest("exit-status", false, st)
					return
				case "subsystem":
					var sub struct{ Name string }
					_ = ssh.Unmarshal(req.Payload, &sub)
					if sub.Name != "sftp" {
						_ = req.Reply(false, nil)
						continue
					}
					_ = req.Reply(true, nil)
					if srv, err := sftp.NewServer(ch); err == nil {
						_ = srv.Serve()
					}
					return
				default:
					_ = req.Reply(false, nil)
				}
			}
		}()
	}
}

func connFor(addr, key string) *connSpec {
	host, port, _ := net.SplitHostPort(addr)
	p := 0
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return &connSpec{Host: host, Port: p, User: "root", PrivateKey: key, DialErrorLimit: 3, PerDialTimeout: 5 * time.Second}
}

func TestRunRemote(t *testing.T) {
	addr, key := testSSHServer(t)
	c := connFor(addr, key)
	out, errs := &lineSink{}, &lineSink{}
	code, err := runRemote(context.Background(), c, `echo "$QK_A $OTHER"; cat; echo warn >&2; exit 5`,
		map[string]string{"QK_A": "sent-by-env", "OTHER": "it's exported"}, "in\n", out, errs, nil)
	if code != 5 || err == nil {
		t.Fatalf("exit code = %d, err = %v", code, err)
	}
	if out.output() != "sent-by-env it's exported\nin" || errs.output() != "warn" {
		t.Fatalf("stdout %q stderr %q", out.output(), errs.output())
	}
}

func TestDialRetriesAndNamesTarget(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := connFor(addr, "")
	_, key := testSSHServer(t)
	c.PrivateKey = key
	c.DialErrorLimit = 2
	var statuses []string
	start := time.Now()
	_, _, err := c.dial(context.Background(), func(s string) { statuses = append(statuses, s) })
	if err == nil || !strings.Contains(err.Error(), "root@"+addr) || !strings.Contains(err.Error(), "2 attempt") ||
		!strings.Contains(err.Error(), "TCP connection") {
		t.Fatalf("error = %v", err)
	}
	if len(statuses) != 1 || time.Since(start) < time.Second {
		t.Fatalf("expected one retry after a 1s backoff: %v", statuses)
	}
	// A bad key is reported as an authentication failure.
	goodAddr, _ := testSSHServer(t)
	_, otherKey := testSSHServer(t)
	c2 := connFor(goodAddr, otherKey)
	c2.DialErrorLimit = 1
	if _, _, err := c2.dial(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("auth error = %v", err)
	}
	c3 := connFor(goodAddr, "not a key")
	if _, _, err := c3.dial(context.Background(), nil); err == nil || strings.Contains(err.Error(), "not a key") {
		t.Fatalf("key parse error must not echo the key: %v", err)
	}
}

func TestRemoteCommandAndCopyThroughProvider(t *testing.T) {
	addr, key := testSSHServer(t)
	host, port, _ := net.SplitHostPort(addr)
	ctx := context.Background()
	prov := must(New(nil, "1.2.1"))(t, "New").(*rpc.Provider)
	connV := resource.MakeSecret(obj(resource.PropertyMap{"host": s(host), "port": s(port), "user": s("root"), "privateKey": s(key)}))
	pn, _ := rpc.Marshal(resource.PropertyMap{"connection": connV, "create": s("echo hi from $QK_V"),
		"environment": obj(resource.PropertyMap{"QK_V": s("remote")})})
	urn := "urn:pulumi:it::qk::command:remote:Command::r"
	chk := must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: urn, News: pn}))(t, "check")
	created := must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: urn, Properties: chk.Inputs}))(t, "create")
	outs := must(rpc.Unmarshal(created.Properties))(t, "unmarshal")
	if rpc.Plain(outs["stdout"]).StringValue() != "hi from remote" || !outs["connection"].IsSecret() {
		t.Fatalf("outputs = %v", outs)
	}

	// CopyToRemote: a directory archive and a file asset.
	src := t.TempDir()
	_ = os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	_ = os.WriteFile(filepath.Join(src, "a.conf"), []byte("a=1\n"), 0o644)
	_ = os.WriteFile(filepath.Join(src, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o755)
	dst := filepath.Join(t.TempDir(), "etc", "qk")
	ar := must(archive.FromPath(src))(t, "archive")
	curn := "urn:pulumi:it::qk::command:remote:CopyToRemote::c"
	pc, _ := rpc.Marshal(resource.PropertyMap{"connection": connV, "source": resource.NewArchiveProperty(ar), "remotePath": s(dst)})
	chk = must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: curn, News: pc}))(t, "check copy")
	if len(chk.Failures) > 0 {
		t.Fatalf("copy check: %v", chk.Failures)
	}
	must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: curn, Properties: chk.Inputs}))(t, "copy dir")
	if b, _ := os.ReadFile(filepath.Join(dst, "a.conf")); string(b) != "a=1\n" {
		t.Fatalf("a.conf = %q", b)
	}
	if st, err := os.Stat(filepath.Join(dst, "sub", "run.sh")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("run.sh: %v %v", st, err)
	}
	file := filepath.Join(t.TempDir(), "redis.conf")
	_ = os.WriteFile(file, []byte("maxmemory 100mb\n"), 0o600)
	as := must(asset.FromPath(file))(t, "asset")
	pf, _ := rpc.Marshal(resource.PropertyMap{"connection": connV, "source": resource.NewAssetProperty(as), "remotePath": s(dst)})
	chk2 := must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: curn, News: pf}))(t, "check file")
	must(prov.Create(ctx, &pulumirpc.CreateRequest{Urn: curn, Properties: chk2.Inputs}))(t, "copy file")
	if b, _ := os.ReadFile(filepath.Join(dst, "redis.conf")); string(b) != "maxmemory 100mb\n" {
		t.Fatalf("file copied into the existing directory: %q", b)
	}
	// New content: replace.
	_ = os.WriteFile(file, []byte("maxmemory 200mb\n"), 0o600)
	as2 := must(asset.FromPath(file))(t, "asset")
	pf2, _ := rpc.Marshal(resource.PropertyMap{"connection": connV, "source": resource.NewAssetProperty(as2), "remotePath": s(dst)})
	chk3 := must(prov.Check(ctx, &pulumirpc.CheckRequest{Urn: curn, News: pf2}))(t, "check file 2")
	d := must(prov.Diff(ctx, &pulumirpc.DiffRequest{Urn: curn, Id: "x", Olds: chk2.Inputs, OldInputs: chk2.Inputs, News: chk3.Inputs}))(t, "diff")
	if len(d.Replaces) != 1 || d.Replaces[0] != "source" {
		t.Fatalf("content change must replace: %v", d)
	}
}

func TestRunRemoteThroughProxy(t *testing.T) {
	jumpAddr, jumpKey := testSSHServer(t)
	targetAddr, targetKey := testSSHServer(t)
	c := connFor(targetAddr, targetKey)
	c.Proxy = connFor(jumpAddr, jumpKey)
	out, errs := &lineSink{}, &lineSink{}
	if code, err := runRemote(context.Background(), c, "echo via-proxy", nil, "", out, errs, nil); err != nil || code != 0 {
		t.Fatalf("through proxy: code %d, err %v", code, err)
	}
	if out.output() != "via-proxy" {
		t.Fatalf("stdout = %q", out.output())
	}
	// The target's key does not open the jump host: the error says it was the proxy.
	c.Proxy = connFor(jumpAddr, targetKey)
	c.Proxy.DialErrorLimit = 1
	if _, err := runRemote(context.Background(), c, "true", nil, "", out, errs, nil); err == nil ||
		!strings.Contains(err.Error(), "via proxy") {
		t.Fatalf("proxy error = %v", err)
	}
}
