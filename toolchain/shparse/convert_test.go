package main

import (
	"strings"
	"testing"
)

// The JSON the pack reads, for constructs the pack's evaluation depends on.
func TestParse(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"quote removal per context", `echo "a\$b" 'c\d' e\ f`,
			`{"c":[{"w":[[{"l":"echo"}],[{"l":"a$b"}],[{"l":"c\\d"}],[{"l":"e f"}]],"t":"echo \"a\\$b\" 'c\\d' e\\ f","l":1}]}`},
		{"parameters: plain, default, alternative, other", `x $A ${B:-d} ${C:+e} ${#D}`,
			`{"c":[{"w":[[{"l":"x"}],[{"v":"A","x":"$A"}],[{"v":"B","o":":-","w":[{"l":"d"}],"x":"${B:-d}"}],[{"v":"C","o":":+","w":[{"l":"e"}],"x":"${C:+e}"}],[{"x":"${#D}"}]],"t":"x $A ${B:-d} ${C:+e} ${#D}","l":1}]}`},
		{"pipeline: the right side reads the left", "echo a | sh",
			`{"c":[{"w":[[{"l":"echo"}],[{"l":"a"}]],"t":"echo a","l":1},{"w":[[{"l":"sh"}]],"p":true,"t":"sh","l":1}]}`},
		{"here-document: unquoted body keeps its expansions, <<- strips tabs", "cat <<-E\n\ta $X\n\tE",
			`{"c":[{"w":[[{"l":"cat"}]],"r":[{"o":"<<-","w":[{"l":"E"}],"h":[{"l":"a "},{"v":"X","x":"$X","q":true},{"l":"\u000a"}]}],"t":"cat <<-E","l":1}]}`},
		{"here-document: quoted delimiter, body as written", "cat <<'E'\n$X \\$\nE",
			`{"c":[{"w":[[{"l":"cat"}]],"r":[{"o":"<<","w":[{"l":"E"}],"h":[{"l":"$X \\$\u000a"}],"hq":true}],"t":"cat <<'E'","l":1}]}`},
		{"export: NAME=value words", "export A=1 B",
			`{"c":[{"w":[[{"l":"export"}],[{"l":"A="},{"l":"1"}],[{"l":"B"}]],"t":"export A=1 B","l":1}]}`},
		{"function definition and command substitution", "f() { g; }; x=$(h)",
			`{"c":[{"f":"f","b":[{"w":[[{"l":"g"}]],"t":"g","l":1}],"t":"f() { g; }","l":1},{"a":[{"n":"x","v":[{"x":"$(…)","c":[{"w":[[{"l":"h"}]],"t":"h","l":1}],"q":true}]}],"t":"x=$(h)","l":1}]}`},
		{"unterminated quote: the commands before it, and the problem", "a\necho 'open",
			`{"c":[{"w":[[{"l":"a"}]],"t":"a","l":1}],"e":["line 2: unterminated single quote"]}`},
		{"control characters (the pack's outer-shell marks) are literal text", "echo \x010\x02",
			`{"c":[{"w":[[{"l":"echo"}],[{"l":"\u00010\u0002"}]],"t":"echo \u00010\u0002","l":1}]}`},
	}
	for _, c := range cases {
		got := string(Parse(c.src))
		if got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.name, got, c.want)
		}
	}
}

// Whatever the input, Parse answers JSON with a command list (the pack never sees a crash).
func TestParseNeverFails(t *testing.T) {
	alphabet := []string{"a", "$", "(", ")", "{", "}", "'", `"`, "`", "\\", "\n", " ", "<<", "EOF", "|", ";", "&", "${", "$(", "#", "=", "\t"}
	seed := uint32(7)
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		seed = seed*1103515245 + 12345
		n := int(seed>>16) % 40
		for k := 0; k < n; k++ {
			seed = seed*1103515245 + 12345
			b.WriteString(alphabet[int(seed>>16)%len(alphabet)])
		}
		if out := string(Parse(b.String())); !strings.HasPrefix(out, `{"c":[`) || strings.Contains(out, "the shell parser failed") {
			t.Fatalf("input %q: %s", b.String(), out)
		}
	}
}
