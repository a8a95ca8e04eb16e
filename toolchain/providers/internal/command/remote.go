package command

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// dialError marks a failure to reach the host (as opposed to a failing command).
type dialError struct{ error }

func (e *dialError) Unwrap() error { return e.error }

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

// runRemote runs command through an SSH session. Environment variables are sent
// with the protocol's env request; those the server refuses (sshd AcceptEnv) are
// exported at the start of the command instead.
func runRemote(ctx context.Context, conn *connSpec, command string, env map[string]string, stdin string,
	stdout, stderr *lineSink, status func(string),
) (int, error) {
	client, closeFn, err := conn.dial(ctx, status)
	if err != nil {
		return -1, &dialError{err}
	}
	defer closeFn()
	sess, err := client.NewSession()
	if err != nil {
		return -1, &dialError{fmt.Errorf("opening an SSH session on %s: %w", conn.where(), err)}
	}
	defer sess.Close()

	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var exports []string
	for _, k := range keys {
		if err := sess.Setenv(k, env[k]); err != nil {
			exports = append(exports, "export "+k+"="+shellQuote(env[k]))
		}
	}
	if len(exports) > 0 {
		command = strings.Join(exports, "; ") + "\n" + command
	}
	if stdin != "" {
		sess.Stdin = strings.NewReader(stdin)
	}
	sess.Stdout, sess.Stderr = stdout, stderr

	done := make(chan error, 1)
	go func() { done <- sess.Run(command) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGTERM)
		sess.Close()
		err = ctx.Err()
	}
	stdout.finish()
	stderr.finish()
	if err == nil {
		return 0, nil
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return ee.ExitStatus(), err
	}
	return -1, err
}
