package shell

import (
	"context"

	p "github.com/pulumi/pulumi-go-provider"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

func TestUnknownKeysAndLogging(t *testing.T) {
	m := property.NewMap(map[string]property.Value{"create": property.New("x"), "crate": property.New("y"), "__defaults": property.New("z")})
	f := UnknownKeys(m, []string{"create", "delete"}, "")
	if len(f) != 1 || f[0].Property != "crate" || !strings.Contains(f[0].Reason, "create, delete") {
		t.Fatalf("%+v", f)
	}
	if f := CheckLogging(property.NewMap(map[string]property.Value{"logging": property.New("loud")})); len(f) != 1 || !strings.Contains(f[0].Reason, "stdoutAndStderr") {
		t.Fatalf("%+v", f)
	}
	if f := CheckLogging(property.NewMap(map[string]property.Value{"logging": property.New("none")})); len(f) != 0 {
		t.Fatalf("%+v", f)
	}
}

func TestCaptureSplitsAndLogsSelectedStreams(t *testing.T) {
	c := NewCapture(context.Background())
	out, errw := c.Writers(LogStderr)
	_, _ = out.Write([]byte("o1\n"))
	_, _ = errw.Write([]byte("e1\n"))
	c.Close()
	if Trimmed(&c.Stdout) != "o1" || Trimmed(&c.Stderr) != "e1" || c.Combined() != "o1\ne1\n" {
		t.Fatalf("stdout %q stderr %q combined %q", c.Stdout.String(), c.Stderr.String(), c.Combined())
	}
	if !LogsStdout("") || !LogsStderr("") || LogsStdout(LogNone) || LogsStdout(LogStderr) || !LogsStderr(LogStdoutAndStderr) {
		t.Fatal("logging switch")
	}
}

func TestStripAndHideValues(t *testing.T) {
	m := property.NewMap(map[string]property.Value{"host": property.New("h"), "hots": property.New("typo")})
	if got := Strip(m, []string{"host"}); got.Len() != 1 || got.Get("host").AsString() != "h" {
		t.Fatalf("%v", got)
	}
	f := HideValues([]p.CheckFailure{{Property: "connection", Reason: "bad"}, {Property: "connection.port", Reason: "p"}}, "connection")
	if f[0].Property != "" || f[0].Reason != "connection: bad" || f[1].Property != "connection.port" {
		t.Fatalf("%+v", f)
	}
}
