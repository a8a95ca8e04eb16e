package main

import (
	"strconv"
	"unicode/utf8"
)

// A hand-written JSON encoder for the few types of convert.go: encoding/json's reflection makes the WebAssembly
// module larger and its first calls slower, and the pack pays that on every preview.

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = append(e.b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			e.b = append(e.b, '\\', c)
			i++
		case c < 0x20:
			e.b = append(e.b, `\u00`...)
			e.b = append(e.b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			i++
		case c < utf8.RuneSelf:
			e.b = append(e.b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				e.b = append(e.b, `\ufffd`...)
			} else {
				e.b = append(e.b, s[i:i+size]...)
			}
			i += size
		}
	}
	e.b = append(e.b, '"')
}

func (e *encoder) key(first *bool, k string) {
	if !*first {
		e.b = append(e.b, ',')
	}
	*first = false
	e.str(k)
	e.b = append(e.b, ':')
}

func (e *encoder) parts(ps []Part) {
	e.b = append(e.b, '[')
	for i, p := range ps {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		first := true
		e.b = append(e.b, '{')
		if p.L != nil {
			e.key(&first, "l")
			e.str(*p.L)
		}
		if p.V != "" {
			e.key(&first, "v")
			e.str(p.V)
		}
		if p.O != "" {
			e.key(&first, "o")
			e.str(p.O)
		}
		if p.W != nil {
			e.key(&first, "w")
			e.parts(p.W)
		}
		if p.X != "" {
			e.key(&first, "x")
			e.str(p.X)
		}
		if p.C != nil {
			e.key(&first, "c")
			e.cmds(p.C)
		}
		if p.Q {
			e.key(&first, "q")
			e.b = append(e.b, "true"...)
		}
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ']')
}

func (e *encoder) cmds(cs []*Cmd) {
	e.b = append(e.b, '[')
	for i, c := range cs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		first := true
		e.b = append(e.b, '{')
		if len(c.Assigns) > 0 {
			e.key(&first, "a")
			e.b = append(e.b, '[')
			for k, a := range c.Assigns {
				if k > 0 {
					e.b = append(e.b, ',')
				}
				e.b = append(e.b, `{"n":`...)
				e.str(a.Name)
				e.b = append(e.b, `,"v":`...)
				e.parts(a.Value)
				e.b = append(e.b, '}')
			}
			e.b = append(e.b, ']')
		}
		if len(c.Words) > 0 {
			e.key(&first, "w")
			e.b = append(e.b, '[')
			for k, w := range c.Words {
				if k > 0 {
					e.b = append(e.b, ',')
				}
				e.parts(w)
			}
			e.b = append(e.b, ']')
		}
		if len(c.Redirs) > 0 {
			e.key(&first, "r")
			e.b = append(e.b, '[')
			for k, r := range c.Redirs {
				if k > 0 {
					e.b = append(e.b, ',')
				}
				rf := true
				e.b = append(e.b, '{')
				e.key(&rf, "o")
				e.str(r.Op)
				if r.Fd != nil {
					e.key(&rf, "n")
					e.b = strconv.AppendInt(e.b, int64(*r.Fd), 10)
				}
				if r.Word != nil {
					e.key(&rf, "w")
					e.parts(r.Word)
				}
				if r.Body != nil {
					e.key(&rf, "h")
					e.parts(r.Body)
				}
				if r.Quoted {
					e.key(&rf, "hq")
					e.b = append(e.b, "true"...)
				}
				e.b = append(e.b, '}')
			}
			e.b = append(e.b, ']')
		}
		if c.Func != "" {
			e.key(&first, "f")
			e.str(c.Func)
			e.key(&first, "b")
			e.cmds(c.Body)
		}
		if c.Piped {
			e.key(&first, "p")
			e.b = append(e.b, "true"...)
		}
		e.key(&first, "t")
		e.str(c.Text)
		e.key(&first, "l")
		e.b = strconv.AppendUint(e.b, uint64(c.Line), 10)
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, ']')
}

func (r *Result) encode() []byte {
	e := &encoder{b: make([]byte, 0, 1024)}
	e.b = append(e.b, `{"c":`...)
	e.cmds(r.Commands)
	if len(r.Problems) > 0 {
		e.b = append(e.b, `,"e":[`...)
		for i, p := range r.Problems {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(p)
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
	return e.b
}
