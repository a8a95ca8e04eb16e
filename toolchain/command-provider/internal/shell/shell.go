// Package shell holds what local and remote commands share: streaming output to the engine's log,
// the logging switch, and refusing input keys the SDK does not know.
package shell

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Names of the variables that carry the previous run's output (addPreviousOutputInEnv).
const (
	PreviousStdout = "PULUMI_COMMAND_STDOUT"
	PreviousStderr = "PULUMI_COMMAND_STDERR"
)

// Logging is the value of the `logging` input: which streams reach the engine's log.
type Logging string

// The four values the SDK's Logging enum has.
const (
	LogStdout          Logging = "stdout"
	LogStderr          Logging = "stderr"
	LogStdoutAndStderr Logging = "stdoutAndStderr"
	LogNone            Logging = "none"
)

// LogsStdout: unset ("") means both streams, as upstream.
func LogsStdout(l Logging) bool { return l == "" || l == LogStdout || l == LogStdoutAndStderr }

// LogsStderr: unset ("") means both streams, as upstream.
func LogsStderr(l Logging) bool { return l == "" || l == LogStderr || l == LogStdoutAndStderr }

// Capture collects a command's two streams, a combined copy for error messages, and forwards the
// selected streams line by line to the engine's log while the command runs.
type Capture struct {
	Stdout, Stderr bytes.Buffer
	mu             sync.Mutex
	both           bytes.Buffer
	logw           *io.PipeWriter
	done           chan struct{}
}

// NewCapture starts the log forwarder; Close must be called once the command ended.
func NewCapture(ctx context.Context) *Capture {
	r, w := io.Pipe()
	c := &Capture{logw: w, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			p.GetLogger(ctx).Info(sc.Text())
		}
		_, _ = io.Copy(io.Discard, r) // a line longer than the buffer must not block the command
	}()
	return c
}

type stream struct {
	c   *Capture
	own *bytes.Buffer
	log bool
}

func (s stream) Write(b []byte) (int, error) {
	s.c.mu.Lock()
	s.own.Write(b)
	s.c.both.Write(b)
	s.c.mu.Unlock()
	if s.log {
		_, _ = s.c.logw.Write(b)
	}
	return len(b), nil
}

// Writers returns the stdout and stderr writers for the command, logging as `logging` says.
func (c *Capture) Writers(logging Logging) (io.Writer, io.Writer) {
	return stream{c, &c.Stdout, LogsStdout(logging)}, stream{c, &c.Stderr, LogsStderr(logging)}
}

// Close flushes the log forwarder.
func (c *Capture) Close() {
	_ = c.logw.Close()
	<-c.done
}

// Combined is stdout and stderr interleaved, for an error message.
func (c *Capture) Combined() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.both.String()
}

// Trimmed is what upstream reports as stdout/stderr: the text without its final newline.
func Trimmed(b *bytes.Buffer) string { return strings.TrimSuffix(b.String(), "\n") }

// RunError is the error of a command that failed: what ran and what it printed.
func RunError(err error, command string, output string) error {
	return fmt.Errorf("%w: running %q:\n%s", err, command, output)
}

// LoggingValues are the SDK's four Logging members, for each package's own enum type (local and remote each have
// a Logging token in the schema).
func LoggingValues[T ~string]() []infer.EnumValue[T] {
	return []infer.EnumValue[T]{
		{Name: "Stdout", Value: T(LogStdout), Description: "Capture stdout in logs but not stderr"},
		{Name: "Stderr", Value: T(LogStderr), Description: "Capture stderr in logs but not stdout"},
		{Name: "StdoutAndStderr", Value: T(LogStdoutAndStderr), Description: "Capture stdout and stderr in logs"},
		{Name: "None", Value: T(LogNone), Description: "Capture no logs"},
	}
}

// UnknownKeys reports every key of m that is not in allowed, naming the property path and the keys that are
// known: the SDK never sends them, so they come from a typo or a newer SDK and must not be silently dropped.
func UnknownKeys(m property.Map, allowed []string, prefix string) []p.CheckFailure {
	known := map[string]bool{}
	for _, k := range allowed {
		known[k] = true
	}
	var out []p.CheckFailure
	for k := range m.AllStable {
		if known[k] || strings.HasPrefix(k, "__") {
			continue
		}
		sorted := append([]string(nil), allowed...)
		sort.Strings(sorted)
		out = append(out, p.CheckFailure{
			Property: prefix + k,
			Reason: fmt.Sprintf("unknown property %q: this provider (command %s) does not support it; known properties are %s",
				prefix+k, "1.2.1", strings.Join(sorted, ", ")),
		})
	}
	return out
}

// NestedMap returns m[key] as a map when it is a known map (not computed, not null).
func NestedMap(m property.Map, key string) (property.Map, bool) {
	v, ok := m.GetOk(key)
	if !ok || v.IsComputed() || !v.IsMap() {
		return property.Map{}, false
	}
	return v.AsMap(), true
}

// CheckLogging refuses a `logging` value outside the SDK's enum (the SDK's TypeScript type allows any string).
func CheckLogging(m property.Map) []p.CheckFailure {
	v, ok := m.GetOk("logging")
	if !ok || !v.IsString() {
		return nil
	}
	switch Logging(v.AsString()) {
	case LogStdout, LogStderr, LogStdoutAndStderr, LogNone:
		return nil
	}
	return []p.CheckFailure{{Property: "logging", Reason: fmt.Sprintf("logging is %q: use one of stdout, stderr, stdoutAndStderr, none (default: both)", v.AsString())}}
}

// Strip returns m without the keys UnknownKeys reported, so that the typed decoding after it does not fail on
// them a second time, with an error that would print the whole enclosing value.
func Strip(m property.Map, allowed []string) property.Map {
	known := map[string]bool{}
	for _, k := range allowed {
		known[k] = true
	}
	var drop []string
	for k := range m.All {
		if !known[k] && !strings.HasPrefix(k, "__") {
			drop = append(drop, k)
		}
	}
	return m.Delete(drop...)
}

// HideValues rewrites failures that name one of the given top-level properties: the engine prints the value of a
// failure's top-level property next to it, and these may hold secrets (a connection's key, environment values).
func HideValues(failures []p.CheckFailure, props ...string) []p.CheckFailure {
	out := make([]p.CheckFailure, len(failures))
	for i, f := range failures {
		out[i] = f
		for _, s := range props {
			if f.Property == s {
				out[i] = p.CheckFailure{Reason: s + ": " + f.Reason}
			}
		}
	}
	return out
}
