// Package remote serves command:remote:Command, CopyToRemote and CopyFile: work done on a host over SSH.
package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"queuekit.dev/toolchain/command-provider/internal/shell"
)

// connectionBase is what a connection and its proxy (jump host) have in common.
type connectionBase struct {
	User               *string  `pulumi:"user,optional"`
	Password           *string  `pulumi:"password,optional"           provider:"secret"`
	Host               *string  `pulumi:"host"`
	Port               *float64 `pulumi:"port,optional"`
	PrivateKey         *string  `pulumi:"privateKey,optional"         provider:"secret"`
	PrivateKeyPassword *string  `pulumi:"privateKeyPassword,optional" provider:"secret"`
	AgentSocketPath    *string  `pulumi:"agentSocketPath,optional"`
	DialErrorLimit     *int     `pulumi:"dialErrorLimit,optional"`
	PerDialTimeout     *int     `pulumi:"perDialTimeout,optional"`
	HostKey            *string  `pulumi:"hostKey,optional"`
}

// Connection is how to reach the host (command:remote:Connection).
type Connection struct {
	connectionBase
	Proxy *ProxyConnection `pulumi:"proxy,optional"`
}

// ProxyConnection is the jump host the connection goes through (command:remote:ProxyConnection).
type ProxyConnection struct {
	connectionBase
}

var proxyKeys = []string{"user", "password", "host", "port", "privateKey", "privateKeyPassword", "agentSocketPath", "dialErrorLimit", "perDialTimeout", "hostKey"}
var connectionKeys = append([]string{"proxy"}, proxyKeys...)

func describeBase(a infer.Annotator, c *connectionBase) {
	a.Describe(&c.User, "The user that we should use for the connection.")
	a.SetDefault(&c.User, "root")
	a.Describe(&c.Password, "The password we should use for the connection.")
	a.Describe(&c.Host, "The address of the resource to connect to.")
	a.Describe(&c.Port, "The port to connect to. Defaults to 22.")
	a.SetDefault(&c.Port, 22)
	a.Describe(&c.PrivateKey, "The contents of an SSH key to use for the connection. This takes preference over the password if provided.")
	a.Describe(&c.PrivateKeyPassword, "The password to use in case the private key is encrypted.")
	a.Describe(&c.AgentSocketPath, "SSH Agent socket path. Default to environment variable SSH_AUTH_SOCK if present.")
	a.Describe(&c.DialErrorLimit, "Max allowed errors on trying to dial the remote host. -1 set count to unlimited. Default value is 10.")
	a.SetDefault(&c.DialErrorLimit, 10)
	a.Describe(&c.PerDialTimeout, "Max number of seconds for each dial attempt. 0 implies no maximum. Default value is 15 seconds.")
	a.SetDefault(&c.PerDialTimeout, 15)
	a.Describe(&c.HostKey, "The expected host key to verify the server's identity. If not provided, the host key will be ignored.")
}

// Annotate documents the connection in the schema.
func (c *Connection) Annotate(a infer.Annotator) {
	a.Describe(&c, "Instructions for how to connect to a remote endpoint.")
	describeBase(a, &c.connectionBase)
	a.Describe(&c.Proxy, "The connection settings for the bastion/proxy host.")
}

// Annotate documents the proxy connection in the schema.
func (c *ProxyConnection) Annotate(a infer.Annotator) {
	a.Describe(&c, "Instructions for how to connect to a remote endpoint via a bastion host.")
	describeBase(a, &c.connectionBase)
}

// stripConnection drops the unknown keys of connection and connection.proxy that checkConnection reported.
func stripConnection(inputs property.Map) property.Map {
	conn, ok := shell.NestedMap(inputs, "connection")
	if !ok {
		return inputs
	}
	conn = shell.Strip(conn, connectionKeys)
	if proxy, ok := shell.NestedMap(conn, "proxy"); ok {
		conn = conn.Set("proxy", keepSecret(conn.Get("proxy"), property.New(shell.Strip(proxy, proxyKeys))))
	}
	return inputs.Set("connection", keepSecret(inputs.Get("connection"), property.New(conn)))
}

func keepSecret(old, v property.Value) property.Value { return v.WithSecret(old.Secret()) }

// checkInputs decodes a remote resource's inputs after refusing unknown keys (top level and inside connection) and
// impossible connection values: the check every remote resource starts with.
func checkInputs[T any](ctx context.Context, inputs property.Map, keys []string) (T, []p.CheckFailure, error) {
	failures := shell.UnknownKeys(inputs, keys, "")
	failures = append(failures, checkConnection(inputs)...)
	in, f, err := infer.DefaultCheck[T](ctx, stripConnection(shell.Strip(inputs, keys)))
	return in, append(failures, f...), err
}

// checkConnection refuses unknown keys and impossible values of `connection` (and its proxy) in the raw inputs,
// before anything is created. Secret values are never quoted.
func checkConnection(inputs property.Map) []p.CheckFailure {
	conn, ok := shell.NestedMap(inputs, "connection")
	if !ok {
		return nil
	}
	f := shell.UnknownKeys(conn, connectionKeys, "connection.")
	f = append(f, checkBaseValues(conn, "connection.")...)
	if proxy, ok := shell.NestedMap(conn, "proxy"); ok {
		f = append(f, shell.UnknownKeys(proxy, proxyKeys, "connection.proxy.")...)
		f = append(f, checkBaseValues(proxy, "connection.proxy.")...)
	}
	return f
}

func knownNumber(m property.Map, k string) (float64, bool) {
	v, ok := m.GetOk(k)
	if !ok || !v.IsNumber() {
		return 0, false
	}
	return v.AsNumber(), true
}

func knownString(m property.Map, k string) (string, bool) {
	v, ok := m.GetOk(k)
	if !ok || !v.IsString() {
		return "", false
	}
	return v.AsString(), true
}

func checkBaseValues(m property.Map, prefix string) []p.CheckFailure {
	var f []p.CheckFailure
	fail := func(k, reason string) { f = append(f, p.CheckFailure{Property: prefix + k, Reason: reason}) }
	if n, ok := knownNumber(m, "port"); ok && (n != float64(int(n)) || n < 1 || n > 65535) {
		fail("port", fmt.Sprintf("%sport is %v: it must be a whole number from 1 to 65535 (default 22)", prefix, n))
	}
	if n, ok := knownNumber(m, "dialErrorLimit"); ok && (n != float64(int(n)) || n < -1) {
		fail("dialErrorLimit", fmt.Sprintf("%sdialErrorLimit is %v: it must be a whole number ≥ 0, or -1 for unlimited (default 10)", prefix, n))
	}
	if n, ok := knownNumber(m, "perDialTimeout"); ok && (n != float64(int(n)) || n < 0) {
		fail("perDialTimeout", fmt.Sprintf("%sperDialTimeout is %v: it must be a whole number of seconds ≥ 0, 0 for no limit (default 15)", prefix, n))
	}
	if h, ok := knownString(m, "host"); ok && h == "" {
		fail("host", prefix+"host is empty: give the address of the machine to connect to")
	}
	if k, ok := knownString(m, "privateKey"); ok {
		pw, hasPw := knownString(m, "privateKeyPassword")
		if _, err := parseKey(k, pw, hasPw); err != nil {
			fail("privateKey", prefix+"privateKey cannot be used: "+err.Error()+" (give the key file's contents in OpenSSH or PEM format, and privateKeyPassword if it is encrypted)")
		}
	}
	if k, ok := knownString(m, "hostKey"); ok {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k)); err != nil {
			fail("hostKey", fmt.Sprintf("%shostKey %q is not a public key in authorized_keys format (e.g. \"ssh-ed25519 AAAA…\"): %v", prefix, k, err))
		}
	}
	return f
}

func parseKey(key, password string, hasPassword bool) (ssh.Signer, error) {
	if hasPassword {
		return ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(password))
	}
	s, err := ssh.ParsePrivateKey([]byte(key))
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, errors.New("the key is encrypted and privateKeyPassword is not set")
	}
	return s, err
}

func (c *connectionBase) endpoint() string {
	port := 22
	if c.Port != nil {
		port = int(*c.Port)
	}
	return net.JoinHostPort(deref(c.Host), strconv.Itoa(port))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// clientConfig turns the settings into an SSH client configuration: key, then password, then agent.
func (c *connectionBase) clientConfig(what string) (*ssh.ClientConfig, error) {
	cfg := &ssh.ClientConfig{User: "root", HostKeyCallback: ssh.InsecureIgnoreHostKey()} //nolint:gosec // as upstream when hostKey is unset
	if c.User != nil {
		cfg.User = *c.User
	}
	timeout := 15
	if c.PerDialTimeout != nil {
		timeout = *c.PerDialTimeout
	}
	cfg.Timeout = time.Duration(timeout) * time.Second
	if c.HostKey != nil {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(*c.HostKey))
		if err != nil {
			return nil, fmt.Errorf("%s.hostKey: %w", what, err)
		}
		cfg.HostKeyCallback = ssh.FixedHostKey(pk)
		cfg.HostKeyAlgorithms = []string{pk.Type()}
	}
	if c.PrivateKey != nil {
		signer, err := parseKey(*c.PrivateKey, deref(c.PrivateKeyPassword), c.PrivateKeyPassword != nil)
		if err != nil {
			return nil, fmt.Errorf("%s.privateKey cannot be used: %w", what, err)
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.Password != nil {
		pw := *c.Password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw), ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
			answers := make([]string, len(qs))
			for i := range qs {
				answers[i] = pw
			}
			return answers, nil
		}))
	}
	sock := os.Getenv("SSH_AUTH_SOCK")
	if c.AgentSocketPath != nil {
		sock = *c.AgentSocketPath
	}
	if sock != "" {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, fmt.Errorf("%s.agentSocketPath: cannot reach the SSH agent at %q: %w", what, sock, err)
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
	}
	if len(cfg.Auth) == 0 {
		return nil, fmt.Errorf("%s has no way to authenticate: set privateKey, password or agentSocketPath (or SSH_AUTH_SOCK)", what)
	}
	return cfg, nil
}

func (c *connectionBase) limit() int {
	if c.DialErrorLimit == nil {
		return 10
	}
	return *c.DialErrorLimit
}

// retryDial calls dial until it succeeds or `limit` attempts failed (-1: no limit; 0 acts as 1, as upstream), backing off from 100 ms to 5 s
// between attempts, and shows the progress as a status line.
func retryDial[T any](ctx context.Context, what string, limit int, dial func() (T, error)) (T, error) {
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		v, err := dial()
		if err == nil {
			return v, nil
		}
		if limit != -1 && attempt >= limit {
			var zero T
			return zero, fmt.Errorf("%s: after %d failed attempts (dialErrorLimit %d): %w", what, attempt, limit, err)
		}
		max := "inf"
		if limit != -1 {
			max = strconv.Itoa(limit)
		}
		p.GetLogger(ctx).InfoStatusf("%s %d/%s failed: retrying", what, attempt, max)
		select {
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*3/2, 5*time.Second)
	}
}

// Dial connects to the host, through the proxy when there is one.
func (c *Connection) Dial(ctx context.Context) (*ssh.Client, error) {
	cfg, err := c.clientConfig("connection")
	if err != nil {
		return nil, err
	}
	target := c.endpoint()
	if c.Proxy == nil {
		return retryDial(ctx, "Dial "+target, c.limit(), func() (*ssh.Client, error) { return ssh.Dial("tcp", target, cfg) })
	}
	pcfg, err := c.Proxy.clientConfig("connection.proxy")
	if err != nil {
		return nil, err
	}
	jump := c.Proxy.endpoint()
	proxy, err := retryDial(ctx, "Dial proxy "+jump, c.Proxy.limit(), func() (*ssh.Client, error) { return ssh.Dial("tcp", jump, pcfg) })
	if err != nil {
		return nil, err
	}
	return retryDial(ctx, "Dial "+target+" from proxy "+jump, c.limit(), func() (*ssh.Client, error) {
		conn, err := proxy.Dial("tcp", target)
		if err != nil {
			return nil, err
		}
		sc, chans, reqs, err := handshake(conn, target, cfg)
		if err != nil {
			return nil, err
		}
		client := ssh.NewClient(sc, chans, reqs)
		go func() { _ = client.Wait(); _ = proxy.Close() }() // the jump connection lives as long as the target's
		return client, nil
	})
}

// handshake runs the SSH handshake over a tunnelled connection within perDialTimeout: a channel through a jump
// host has no deadlines, and a target that accepts but never speaks SSH would otherwise hang the deployment.
func handshake(conn net.Conn, target string, cfg *ssh.ClientConfig) (ssh.Conn, <-chan ssh.NewChannel, <-chan *ssh.Request, error) {
	type result struct {
		c     ssh.Conn
		chans <-chan ssh.NewChannel
		reqs  <-chan *ssh.Request
		err   error
	}
	done := make(chan result, 1)
	go func() {
		c, chans, reqs, err := ssh.NewClientConn(conn, target, cfg)
		done <- result{c, chans, reqs, err}
	}()
	var timeout <-chan time.Time
	if cfg.Timeout > 0 {
		timer := time.NewTimer(cfg.Timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case r := <-done:
		if r.err != nil {
			_ = conn.Close()
		}
		return r.c, r.chans, r.reqs, r.err
	case <-timeout:
		_ = conn.Close()
		return nil, nil, nil, fmt.Errorf("ssh handshake with %s did not finish within perDialTimeout (%s)", target, cfg.Timeout)
	}
}
