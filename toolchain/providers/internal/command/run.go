package command

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// lineSink collects a stream and hands every complete line to emit.
type lineSink struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	tail    []string
	emit    func(string)
}

const tailLines = 20

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all.Write(p)
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		s.line(string(s.partial[:i]))
		s.partial = s.partial[i+1:]
	}
	return len(p), nil
}

func (s *lineSink) line(l string) {
	l = strings.TrimRight(l, "\r")
	s.tail = append(s.tail, l)
	if len(s.tail) > tailLines {
		s.tail = s.tail[len(s.tail)-tailLines:]
	}
	if s.emit != nil && strings.TrimSpace(l) != "" {
		s.emit(l)
	}
}

func (s *lineSink) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 {
		s.line(string(s.partial))
		s.partial = nil
	}
}

// output is the collected text without its final newline (as upstream).
func (s *lineSink) output() string { return strings.TrimSuffix(s.all.String(), "\n") }

// runError describes a failed command without revealing secret command text.
type runError struct {
	what   string // e.g. `create command "apt-get install -y redis"`
	where  string // "locally" or "on root@1.2.3.4:22"
	code   int    // -1 when the command did not exit normally
	tail   []string
	reason error
}

func (e *runError) Error() string {
	var b strings.Builder
	if e.code >= 0 {
		fmt.Fprintf(&b, "%s failed %s with exit code %d", e.what, e.where, e.code)
	} else {
		fmt.Fprintf(&b, "%s failed %s: %v", e.what, e.where, e.reason)
	}
	if len(e.tail) > 0 {
		b.WriteString("\nlast lines of stderr:\n  ")
		b.WriteString(strings.Join(e.tail, "\n  "))
	}
	return b.String()
}

// describe renders "<op> command" plus its first line unless it is secret.
func describe(op, cmd string, secret bool) string {
	if secret {
		return op + " command [secret]"
	}
	first, _, more := strings.Cut(strings.TrimSpace(cmd), "\n")
	if len(first) > 100 {
		first, more = first[:100], true
	}
	if more {
		first += " ..."
	}
	return fmt.Sprintf("%s command %q", op, first)
}

type localRun struct {
	interpreter []string
	command     string
	dir         string
	env         map[string]string
	stdin       string
}

// runLocal executes a command on this machine, streaming both outputs.
func runLocal(ctx context.Context, lr localRun, stdout, stderr *lineSink) (int, error) {
	interp := lr.interpreter
	if len(interp) == 0 {
		interp = []string{"/bin/sh", "-c"}
	}
	args := append(append([]string{}, interp[1:]...), lr.command)
	cmd := exec.CommandContext(ctx, interp[0], args...)
	cmd.Dir = lr.dir
	cmd.Env = os.Environ()
	for k, v := range lr.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if lr.stdin != "" {
		cmd.Stdin = strings.NewReader(lr.stdin)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Own process group, so that cancelling kills the whole pipeline.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	stdout.finish()
	stderr.finish()
	if err == nil {
		return 0, nil
	}
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() >= 0 {
		return ee.ExitCode(), err
	}
	return -1, err
}
