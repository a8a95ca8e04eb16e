package remote

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/pem"
	"net"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// testServer is an in-process SSH server: password "pw" or the given client key; `exec` requests answer
// "ran <command> as <user>" with exit status 0. It covers what the e2e sshd (key-only) cannot: passwords,
// keyboard-interactive, encrypted keys and host key pinning.
func testServer(t *testing.T, clientKey ssh.PublicKey) (port float64, hostKey ssh.PublicKey) {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(_ ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if string(pw) == "pw" {
				return nil, nil
			}
			return nil, errDenied
		},
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if clientKey != nil && string(k.Marshal()) == string(clientKey.Marshal()) {
				return nil, nil
			}
			return nil, errDenied
		},
	}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c, cfg)
		}
	}()
	return float64(l.Addr().(*net.TCPAddr).Port), signer.PublicKey()
}

type denied struct{}

func (denied) Error() string { return "denied" }

var errDenied = denied{}

// silentTunnels makes the server accept jump-host tunnels and never answer on them.
var silentTunnels = true

func serve(c net.Conn, cfg *ssh.ServerConfig) {
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() == "direct-tcpip" && silentTunnels {
			// accept the tunnel and never speak: a target that hangs
			if ch, _, err := nc.Accept(); err == nil {
				defer ch.Close()
			}
			continue
		}
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for r := range creqs {
				if r.Type != "exec" {
					_ = r.Reply(false, nil)
					continue
				}
				_ = r.Reply(true, nil)
				n := binary.BigEndian.Uint32(r.Payload[:4])
				_, _ = ch.Write([]byte("ran " + string(r.Payload[4:4+n]) + " as " + sc.User() + "\n"))
				_, _ = ch.SendRequest("exit-status", false, []byte{0, 0, 0, 0})
				return
			}
		}()
	}
}

func runOn(t *testing.T, c *Connection) (string, error) {
	t.Helper()
	out := CommandOutputs{CommandInputs: CommandInputs{Connection: c}}
	err := out.run(context.Background(), "hostname")
	return out.Stdout, err
}

func TestPasswordEncryptedKeyAndHostKeyPinning(t *testing.T) {
	t.Setenv("SSH_AUTH_SOCK", "")
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	port, hostKey := testServer(t, sshPub)
	host, user, one := "127.0.0.1", "deploy", 1

	pw := "pw"
	got, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, User: &user, Password: &pw, DialErrorLimit: &one}})
	if err != nil || got != "ran hostname as deploy" {
		t.Fatalf("password: %q %v", got, err)
	}
	wrong := "nope"
	if _, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, Password: &wrong, DialErrorLimit: &one}}); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Fatalf("a wrong password: %v", err)
	}

	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte("secret-pass"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted, pass := string(pem.EncodeToMemory(block)), "secret-pass"
	got, err = runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, PrivateKey: &encrypted, PrivateKeyPassword: &pass, DialErrorLimit: &one}})
	if err != nil || got != "ran hostname as root" {
		t.Fatalf("encrypted key: %q %v", got, err)
	}
	if _, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, PrivateKey: &encrypted, DialErrorLimit: &one}}); err == nil || !strings.Contains(err.Error(), "privateKeyPassword is not set") {
		t.Fatalf("encrypted key without its password: %v", err)
	}

	pinned := string(ssh.MarshalAuthorizedKey(hostKey))
	if _, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, Password: &pw, HostKey: &pinned, DialErrorLimit: &one}}); err != nil {
		t.Fatalf("the right host key: %v", err)
	}
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	otherKey, _ := ssh.NewPublicKey(otherPub)
	other := string(ssh.MarshalAuthorizedKey(otherKey))
	if _, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, Password: &pw, HostKey: &other, DialErrorLimit: &one}}); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Fatalf("a wrong host key: %v", err)
	}

	// Through a jump host whose tunnel is accepted but never speaks SSH: perDialTimeout bounds the handshake.
	two := 2
	jump := &ProxyConnection{connectionBase{Host: &host, Port: &port, Password: &pw, DialErrorLimit: &one}}
	if _, err := runOn(t, &Connection{connectionBase: connectionBase{Host: &host, Port: &port, Password: &pw, DialErrorLimit: &one, PerDialTimeout: &two}, Proxy: jump}); err == nil || !strings.Contains(err.Error(), "did not finish within perDialTimeout (2s)") || !strings.Contains(err.Error(), "from proxy") {
		t.Fatalf("a silent tunnel: %v", err)
	}
}
