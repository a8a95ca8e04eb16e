package command

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"queuekit.dev/toolchain/providers/internal/rpc"
)

// connSpec is the decoded `connection` input (defaults as in @pulumi/command 1.2.1).
type connSpec struct {
	Host               string
	Port               int
	User               string
	Password           string
	PrivateKey         string
	PrivateKeyPassword string
	AgentSocketPath    string
	HostKey            string
	DialErrorLimit     int
	PerDialTimeout     time.Duration
	Proxy              *connSpec
}

func (c *connSpec) addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// where names the target for error messages: user@host:port.
func (c *connSpec) where() string { return c.User + "@" + c.addr() }

func decodeConn(p rpc.Props) (*connSpec, error) {
	c := &connSpec{
		Host:               p.StringOr("host", ""),
		Port:               int(p.IntOr("port", 22)),
		User:               p.StringOr("user", "root"),
		Password:           p.StringOr("password", ""),
		PrivateKey:         p.StringOr("privateKey", ""),
		PrivateKeyPassword: p.StringOr("privateKeyPassword", ""),
		AgentSocketPath:    p.StringOr("agentSocketPath", ""),
		HostKey:            p.StringOr("hostKey", ""),
		DialErrorLimit:     int(p.IntOr("dialErrorLimit", 10)),
		PerDialTimeout:     time.Duration(p.IntOr("perDialTimeout", 15)) * time.Second,
	}
	if c.Host == "" {
		return nil, errors.New("connection.host is required")
	}
	if c.PerDialTimeout <= 0 {
		c.PerDialTimeout = 15 * time.Second
	}
	if px, ok := p.Object("proxy"); ok {
		pc, err := decodeConn(px)
		if err != nil {
			return nil, fmt.Errorf("connection.proxy: %w", err)
		}
		c.Proxy = pc
	}
	return c, nil
}

func (c *connSpec) clientConfig() (*ssh.ClientConfig, func(), error) {
	var auths []ssh.AuthMethod
	cleanup := func() {}
	if c.PrivateKey != "" {
		var signer ssh.Signer
		var err error
		if c.PrivateKeyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.PrivateKey), []byte(c.PrivateKeyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.PrivateKey))
		}
		if err != nil {
			// Never echo the key itself.
			return nil, cleanup, fmt.Errorf("connection to %s: privateKey cannot be parsed: %v", c.addr(), err)
		}
		auths = append(auths, ssh.PublicKeys(signer))
	}
	sock := c.AgentSocketPath
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		if conn, err := net.Dial("unix", sock); err == nil {
			cleanup = func() { conn.Close() }
			auths = append(auths, ssh.PublicKeysCallback(agent.NewClient(conn).Signers))
		} else if c.AgentSocketPath != "" {
			return nil, cleanup, fmt.Errorf("connection to %s: ssh agent at %s: %v", c.addr(), sock, err)
		}
	}
	if c.Password != "" {
		pw := c.Password
		auths = append(auths, ssh.Password(pw), ssh.KeyboardInteractive(
			func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(auths) == 0 {
		return nil, cleanup, fmt.Errorf("connection to %s has no credentials: set privateKey, password or agentSocketPath (or SSH_AUTH_SOCK)", c.addr())
	}
	hostKeyCB := ssh.InsecureIgnoreHostKey() // as upstream when hostKey is not given
	if c.HostKey != "" {
		pk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.HostKey))
		if err != nil {
			return nil, cleanup, fmt.Errorf("connection to %s: hostKey cannot be parsed: %v", c.addr(), err)
		}
		hostKeyCB = ssh.FixedHostKey(pk)
	}
	return &ssh.ClientConfig{User: c.User, Auth: auths, HostKeyCallback: hostKeyCB, Timeout: c.PerDialTimeout}, cleanup, nil
}

// dialOnce makes one connection attempt; via is an optional jump host.
func (c *connSpec) dialOnce(ctx context.Context, via *ssh.Client) (*ssh.Client, error) {
	cfg, cleanup, err := c.clientConfig()
	if err != nil {
		return nil, &permanentError{err}
	}
	defer cleanup()
	var conn net.Conn
	dctx, cancel := context.WithTimeout(ctx, c.PerDialTimeout)
	defer cancel()
	if via != nil {
		conn, err = via.DialContext(dctx, "tcp", c.addr())
	} else {
		var d net.Dialer
		conn, err = d.DialContext(dctx, "tcp", c.addr())
	}
	if err != nil {
		return nil, fmt.Errorf("TCP connection to %s failed: %w", c.addr(), err)
	}
	_ = conn.SetDeadline(time.Now().Add(c.PerDialTimeout))
	sc, chans, reqs, err := ssh.NewClientConn(conn, c.addr(), cfg)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("SSH handshake/authentication as %s failed: %w", c.where(), err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

type permanentError struct{ error }

func (e *permanentError) Unwrap() error { return e.error }

// dial connects with retries: up to DialErrorLimit failed attempts (-1: no limit),
// backing off 1s, 2s, 4s ... 10s between them.
func (c *connSpec) dial(ctx context.Context, status func(string)) (*ssh.Client, func(), error) {
	var via *ssh.Client
	closeAll := func() {}
	if c.Proxy != nil {
		pc, pclose, err := c.Proxy.dial(ctx, status)
		if err != nil {
			return nil, nil, fmt.Errorf("via proxy: %w", err)
		}
		via, closeAll = pc, pclose
	}
	backoff := time.Second
	for attempt := 1; ; attempt++ {
		client, err := c.dialOnce(ctx, via)
		if err == nil {
			prev := closeAll
			return client, func() { client.Close(); prev() }, nil
		}
		var perm *permanentError
		if errors.As(err, &perm) || ctx.Err() != nil ||
			(c.DialErrorLimit >= 0 && attempt >= max(c.DialErrorLimit, 1)) {
			closeAll()
			return nil, nil, fmt.Errorf("ssh to %s: giving up after %d attempt(s): %w", c.where(), attempt, err)
		}
		if status != nil {
			status(fmt.Sprintf("ssh to %s: attempt %d failed (%v); retrying in %s",
				c.where(), attempt, shortErr(err), backoff))
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			closeAll()
			return nil, nil, fmt.Errorf("ssh to %s: cancelled: %w", c.where(), err)
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i > 0 && len(s) > 160 {
		return s[i+2:]
	}
	return s
}
