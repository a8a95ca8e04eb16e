// Package docker implements queuekit's docker provider (compatible with the
// @pulumi/docker 5.2.0 SDK) on top of a small Docker Engine API client.
package docker

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Config selects and authenticates the Docker engine.
type Config struct {
	Host         string   // unix:///var/run/docker.sock, tcp://h:2376, ssh://user@host[:port]
	SSHOpts      []string // extra arguments for ssh (ssh:// hosts)
	CertPath     string   // directory with ca.pem, cert.pem, key.pem (tcp:// + TLS)
	CAMaterial   string
	CertMaterial string
	KeyMaterial  string
}

// DefaultHost is used when neither the provider config nor DOCKER_HOST names one.
const DefaultHost = "unix:///var/run/docker.sock"

// Client talks to one Docker engine.
type Client struct {
	host string
	base string
	http *http.Client
}

// APIError is an error answer from the Docker engine.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// IsNotFound reports a 404 from the engine.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// IsConflict reports a 409 from the engine.
func IsConflict(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// NewClient builds a client for cfg.Host.
func NewClient(cfg Config) (*Client, error) {
	host := cfg.Host
	if host == "" {
		host = DefaultHost
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %q: %w", host, err)
	}
	tr := &http.Transport{MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second, DisableCompression: true}
	c := &Client{host: host, base: "http://docker"}
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Host
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
	case "tcp", "http", "https":
		tlsCfg, err := tlsConfig(cfg, u.Scheme == "https")
		if err != nil {
			return nil, err
		}
		scheme := "http"
		if tlsCfg != nil {
			scheme = "https"
			tr.TLSClientConfig = tlsCfg
		}
		c.base = scheme + "://" + u.Host
	case "ssh":
		args := sshArgs(u, cfg.SSHOpts)
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialCommand("ssh", args...)
		}
		// Each connection is one ssh process: keep few of them.
		tr.MaxIdleConnsPerHost = 2
	default:
		return nil, fmt.Errorf("docker host %q: unsupported scheme %q (use unix://, tcp:// or ssh://)", host, u.Scheme)
	}
	c.http = &http.Client{Transport: tr}
	return c, nil
}

// sshArgs builds the ssh command line the docker CLI would use for an ssh:// host.
func sshArgs(u *url.URL, opts []string) []string {
	args := append([]string{}, opts...)
	args = append(args, "-o", "ConnectTimeout=30", "-T")
	if u.User != nil && u.User.Username() != "" {
		args = append(args, "-l", u.User.Username())
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	return append(args, "--", u.Hostname(), "docker", "system", "dial-stdio")
}

func tlsConfig(cfg Config, force bool) (*tls.Config, error) {
	ca, cert, key := cfg.CAMaterial, cfg.CertMaterial, cfg.KeyMaterial
	certPath := cfg.CertPath
	if certPath == "" && os.Getenv("DOCKER_TLS_VERIFY") != "" {
		certPath = os.Getenv("DOCKER_CERT_PATH")
	}
	read := func(dst *string, name string) error {
		if *dst != "" || certPath == "" {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(certPath, name))
		if err != nil {
			return fmt.Errorf("docker TLS: %w", err)
		}
		*dst = string(b)
		return nil
	}
	for _, f := range []struct {
		dst  *string
		name string
	}{{&ca, "ca.pem"}, {&cert, "cert.pem"}, {&key, "key.pem"}} {
		if err := read(f.dst, f.name); err != nil {
			return nil, err
		}
	}
	if ca == "" && cert == "" && key == "" && !force {
		return nil, nil
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ca)) {
			return nil, errors.New("docker TLS: caMaterial/ca.pem holds no PEM certificate")
		}
		t.RootCAs = pool
	}
	if cert != "" || key != "" {
		pair, err := tls.X509KeyPair([]byte(cert), []byte(key))
		if err != nil {
			return nil, fmt.Errorf("docker TLS client certificate: %w", err)
		}
		t.Certificates = []tls.Certificate{pair}
	}
	return t, nil
}

// ---- a net.Conn over a child process's stdio (ssh ... docker system dial-stdio) ----

type cmdConn struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *bytes.Buffer
	once   sync.Once
}

func dialCommand(name string, args ...string) (net.Conn, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = os.Environ()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &cmdConn{cmd: cmd, stdin: stdin, stdout: stdout, stderr: &bytes.Buffer{}}
	cmd.Stderr = &limitedWriter{buf: c.stderr, max: 8192}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	return c, nil
}

type limitedWriter struct {
	mu  sync.Mutex
	buf *bytes.Buffer
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - w.buf.Len(); room > 0 {
		if len(p) > room {
			w.buf.Write(p[:room])
		} else {
			w.buf.Write(p)
		}
	}
	return len(p), nil
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if err == io.EOF {
		if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
			return n, fmt.Errorf("%s: %s", strings.Join(c.cmd.Args, " "), msg)
		}
	}
	return n, err
}
func (c *cmdConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }
func (c *cmdConn) Close() error {
	c.once.Do(func() {
		_ = c.stdin.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		go func() { _ = c.cmd.Wait() }()
	})
	return nil
}
func (c *cmdConn) LocalAddr() net.Addr              { return dummyAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr             { return dummyAddr{} }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }

type dummyAddr struct{}

func (dummyAddr) Network() string { return "cmd" }
func (dummyAddr) String() string  { return "cmd" }

// ---- requests ----

// Host returns the engine address (for messages).
func (c *Client) Host() string { return c.host }

func (c *Client) request(ctx context.Context, method, path string, q url.Values, body io.Reader, ctype string) (*http.Response, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("docker engine at %s: %w", c.host, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		var m struct {
			Message string `json:"message"`
		}
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &m) == nil && m.Message != "" {
			msg = m.Message
		}
		return nil, &APIError{Status: resp.StatusCode, Message: msg}
	}
	return resp, nil
}

// Do sends a JSON request and decodes a JSON answer into out (if non-nil).
func (c *Client) Do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	ctype := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ctype = bytes.NewReader(b), "application/json"
	}
	resp, err := c.request(ctx, method, path, q, body, ctype)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Ping checks the engine answers.
func (c *Client) Ping(ctx context.Context) error {
	resp, err := c.request(ctx, http.MethodGet, "/_ping", nil, nil, "")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// PutArchive extracts a tar stream into the container at path.
func (c *Client) PutArchive(ctx context.Context, id, path string, tarball []byte) error {
	resp, err := c.request(ctx, http.MethodPut, "/containers/"+url.PathEscape(id)+"/archive",
		url.Values{"path": {path}}, bytes.NewReader(tarball), "application/x-tar")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// PullImage pulls ref (POST /images/create) and returns the engine's error message, if any.
func (c *Client) PullImage(ctx context.Context, ref, platform string) error {
	q := url.Values{"fromImage": {ref}}
	if platform != "" {
		q.Set("platform", platform)
	}
	resp, err := c.request(ctx, http.MethodPost, "/images/create", q, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var m struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if m.Error != "" {
			return errors.New(m.Error)
		}
	}
}

// Logs returns up to tail lines of a container's output (stdout and stderr).
func (c *Client) Logs(ctx context.Context, id string, tail int, tty bool) (string, error) {
	q := url.Values{"stdout": {"1"}, "stderr": {"1"}}
	if tail > 0 {
		q.Set("tail", fmt.Sprint(tail))
	}
	resp, err := c.request(ctx, http.MethodGet, "/containers/"+url.PathEscape(id)+"/logs", q, nil, "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", err
	}
	if tty {
		return string(b), nil
	}
	return demux(b), nil
}

// demux strips the 8-byte frame headers of a non-TTY log stream.
func demux(b []byte) string {
	var out bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(b))
	hdr := make([]byte, 8)
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			break
		}
		if hdr[0] > 2 || hdr[1] != 0 || hdr[2] != 0 || hdr[3] != 0 {
			// Not a multiplexed stream after all.
			return string(b)
		}
		n := binary.BigEndian.Uint32(hdr[4:])
		if _, err := io.CopyN(&out, r, int64(n)); err != nil {
			break
		}
	}
	return out.String()
}
