// Package main turns a shell script into the JSON the policy pack reads: its simple commands in execution order,
// each with its words as parts (literal text after quote removal, or an expansion), assignments, redirections
// and here-document bodies. Parsing is mvdan.cc/sh/v3/syntax's; evaluating the words is the pack's.
package main

import (
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Part is one piece of a word. Exactly one of L (literal text), V (a parameter) or X (another expansion) is set.
type Part struct {
	L *string `json:"l,omitempty"`
	// V names the parameter of $V / ${V} / ${V:-W}.
	V string `json:"v,omitempty"`
	// O is the operator of ${V<O>W}: ":-", "-", ":=", "=" (the ones that give a default value).
	O string `json:"o,omitempty"`
	W []Part `json:"w,omitempty"`
	X string `json:"x,omitempty"`
	C []*Cmd `json:"c,omitempty"`
	Q bool   `json:"q,omitempty"` // inside double quotes (or an assignment value): not split into fields
}

type Assign struct {
	Name  string `json:"n"`
	Value []Part `json:"v"`
}

type Redirect struct {
	Op   string `json:"o"`
	Fd   *int   `json:"n,omitempty"`
	Word []Part `json:"w,omitempty"`
	// Body of a here-document, its delimiter quoted or not.
	Body   []Part `json:"h,omitempty"`
	Quoted bool   `json:"hq,omitempty"`
}

// Cmd is a simple command. Piped: its stdin is the previous command's stdout (`a | b`).
type Cmd struct {
	Assigns []Assign   `json:"a,omitempty"`
	Words   [][]Part   `json:"w,omitempty"`
	Redirs  []Redirect `json:"r,omitempty"`
	Piped   bool       `json:"p,omitempty"`
	Text    string     `json:"t"`
	Line    uint       `json:"l"`
	// A function definition instead of a command: its name and body (run where it is called).
	Func string `json:"f,omitempty"`
	Body []*Cmd `json:"b,omitempty"`
}

type Result struct {
	Commands []*Cmd   `json:"c"`
	Problems []string `json:"e,omitempty"`
}

type converter struct {
	src string
	out []*Cmd
}

// Parse reads a script as bash (a superset of what sh accepts here) and returns its commands as JSON.
func Parse(src string) (out []byte) {
	res := Result{Commands: []*Cmd{}}
	defer func() {
		if r := recover(); r != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("the shell parser failed: %v", r))
			out = res.encode()
		}
	}()
	c := &converter{src: src}
	parser := syntax.NewParser(syntax.Variant(syntax.LangBash))
	// Converted once parsing stops: a statement is handed over before the here-documents it opens are read.
	// The sequence is read to its end (Parser.Stmts stops at an error and its iterator then panics, v3.14.1).
	var stmts []*syntax.Stmt
	var err error
	for s, e := range parser.StmtsSeq(strings.NewReader(src)) {
		if e != nil {
			if err == nil {
				err = e
			}
			continue
		}
		stmts = append(stmts, s)
	}
	c.stmts(stmts)
	res.Commands = c.out
	if res.Commands == nil {
		res.Commands = []*Cmd{}
	}
	if err != nil {
		res.Problems = append(res.Problems, problem(err))
	}
	out = res.encode()
	return out
}

// problem words a parse error as "line N: what"; the unclosed quote and here-document cases as the pack names them.
func problem(err error) string {
	pe, ok := err.(syntax.ParseError)
	if !ok {
		return err.Error()
	}
	text := pe.Text
	switch {
	case strings.Contains(text, "without closing quote `'`"):
		text = "unterminated single quote"
	case strings.Contains(text, "without closing quote `\"`"):
		text = "unterminated double quote"
	case strings.HasPrefix(text, "unclosed here-document `"):
		return fmt.Sprintf("here-document \"%s\" is not terminated", strings.Trim(strings.TrimPrefix(text, "unclosed here-document "), "`"))
	}
	return fmt.Sprintf("line %d: %s", pe.Pos.Line(), text)
}

func (c *converter) stmts(list []*syntax.Stmt) {
	for _, s := range list {
		c.stmt(s)
	}
}

// stmt appends the simple commands of a statement in execution order; every branch of a compound one counts as run.
func (c *converter) stmt(s *syntax.Stmt) {
	if s == nil {
		return
	}
	switch cmd := s.Cmd.(type) {
	case *syntax.CallExpr:
		c.call(cmd.Assigns, cmd.Args, s.Redirs, nil)
		return
	case *syntax.DeclClause:
		c.decl(cmd, s.Redirs)
		return
	case nil:
		if len(s.Redirs) > 0 {
			c.call(nil, nil, s.Redirs, nil)
		}
		return
	case *syntax.BinaryCmd:
		c.stmt(cmd.X)
		if cmd.Op == syntax.Pipe || cmd.Op == syntax.PipeAll {
			n := len(c.out)
			c.stmt(cmd.Y)
			// Only a simple command directly on the right of | reads what the left one prints.
			if _, simple := cmd.Y.Cmd.(*syntax.CallExpr); simple && len(c.out) > n && n > 0 {
				c.out[n].Piped = true
			}
		} else {
			c.stmt(cmd.Y)
		}
	case *syntax.Block:
		c.stmts(cmd.Stmts)
	case *syntax.Subshell:
		c.stmts(cmd.Stmts)
	case *syntax.IfClause:
		for clause := cmd; clause != nil; clause = clause.Else {
			c.stmts(clause.Cond)
			c.stmts(clause.Then)
		}
	case *syntax.WhileClause:
		c.stmts(cmd.Cond)
		c.stmts(cmd.Do)
	case *syntax.ForClause:
		if it, ok := cmd.Loop.(*syntax.WordIter); ok {
			for _, w := range it.Items {
				c.word(w, ctxUnquoted) // its command substitutions run
			}
		}
		c.stmts(cmd.Do)
	case *syntax.CaseClause:
		c.word(cmd.Word, ctxUnquoted)
		for _, item := range cmd.Items {
			c.stmts(item.Stmts)
		}
	case *syntax.FuncDecl:
		sub := &converter{src: c.src}
		sub.stmt(cmd.Body)
		c.out = append(c.out, &Cmd{Func: cmd.Name.Value, Body: nonNil(sub.out), Text: c.slice(cmd.Pos(), cmd.End()), Line: cmd.Pos().Line()})
	case *syntax.TimeClause:
		c.stmt(cmd.Stmt)
	case *syntax.CoprocClause:
		c.stmt(cmd.Stmt)
	default:
		// [[ ]], (( )), let: no command runs (their command substitutions are not followed).
	}
	if len(s.Redirs) > 0 {
		c.call(nil, nil, s.Redirs, nil)
	}
}

// decl turns export/local/declare/readonly/typeset into a simple command whose words are NAME=value.
func (c *converter) decl(d *syntax.DeclClause, redirs []*syntax.Redirect) {
	variant := d.Variant.Value
	words := [][]Part{{lit(variant)}}
	for _, a := range d.Args {
		switch {
		case a.Naked && a.Name != nil:
			words = append(words, []Part{lit(a.Name.Value)})
		case a.Naked && a.Value != nil:
			words = append(words, c.word(a.Value, ctxUnquoted))
		case a.Name != nil:
			w := []Part{lit(a.Name.Value + "=")}
			words = append(words, append(w, c.assignValue(a)...))
		}
	}
	c.call(nil, nil, redirs, words)
	last := c.out[len(c.out)-1]
	last.Text = c.slice(d.Pos(), d.End())
	last.Line = d.Pos().Line()
}

func (c *converter) assignValue(a *syntax.Assign) []Part {
	switch {
	case a.Array != nil:
		return []Part{{X: c.slice(a.Array.Pos(), a.Array.End())}}
	case a.Value != nil:
		return c.word(a.Value, ctxAssign)
	}
	return []Part{lit("")}
}

func (c *converter) call(assigns []*syntax.Assign, args []*syntax.Word, redirs []*syntax.Redirect, words [][]Part) {
	cmd := &Cmd{}
	var start, end syntax.Pos
	span := func(p, q syntax.Pos) {
		if !start.IsValid() || p.Offset() < start.Offset() {
			start = p
		}
		if !end.IsValid() || q.Offset() > end.Offset() {
			end = q
		}
	}
	// Substitutions in the command's words run before it: evaluate them in source order.
	for _, a := range assigns {
		span(a.Pos(), a.End())
		if a.Name == nil {
			continue
		}
		cmd.Assigns = append(cmd.Assigns, Assign{Name: a.Name.Value, Value: c.assignValue(a)})
	}
	for _, w := range args {
		span(w.Pos(), w.End())
		cmd.Words = append(cmd.Words, c.word(w, ctxUnquoted))
	}
	cmd.Words = append(cmd.Words, words...)
	for _, r := range redirs {
		if r.Word != nil {
			span(r.Pos(), r.Word.End())
		}
		red := Redirect{Op: r.Op.String()}
		if r.N != nil {
			if n, err := strconv.Atoi(r.N.Value); err == nil {
				red.Fd = &n
			}
		}
		if r.Word != nil {
			red.Word = c.word(r.Word, ctxUnquoted)
		}
		if r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc {
			red.Quoted = quotedDelimiter(r.Word)
			red.Body = []Part{lit("")}
			if r.Hdoc != nil {
				ctx := ctxHeredoc
				if red.Quoted {
					ctx = ctxRaw
				}
				red.Body = c.parts(r.Hdoc.Parts, ctx)
				if r.Op == syntax.DashHdoc {
					dashBody(red.Body)
				}
			}
		}
		cmd.Redirs = append(cmd.Redirs, red)
	}
	if start.IsValid() {
		cmd.Text = c.slice(start, end)
		cmd.Line = start.Line()
	}
	c.out = append(c.out, cmd)
}

func quotedDelimiter(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.Contains(p.Value, `\`) {
				return true
			}
		}
	}
	return false
}

// dashBody strips the leading tabs of each line of a <<- body (in its literal parts, at line starts).
func dashBody(body []Part) {
	atLineStart := true
	for i := range body {
		if body[i].L == nil {
			atLineStart = false
			continue
		}
		lines := strings.Split(*body[i].L, "\n")
		for k := range lines {
			if k > 0 || atLineStart {
				lines[k] = strings.TrimLeft(lines[k], "\t")
			}
		}
		s := strings.Join(lines, "\n")
		atLineStart = strings.HasSuffix(s, "\n") || (s == "" && atLineStart)
		body[i].L = &s
	}
}

func (c *converter) slice(p, q syntax.Pos) string {
	from, to := int(p.Offset()), int(q.Offset())
	if from < 0 || to > len(c.src) || from > to {
		return ""
	}
	return c.src[from:to]
}

type context int

const (
	ctxUnquoted context = iota
	ctxDouble
	ctxHeredoc
	ctxAssign // an assignment's value: like unquoted, but not split into fields
	ctxRaw    // a here-document body under a quoted delimiter: as written
)

func lit(s string) Part { return Part{L: &s} }

func (c *converter) word(w *syntax.Word, ctx context) []Part {
	if w == nil {
		return []Part{lit("")}
	}
	return c.parts(w.Parts, ctx)
}

func (c *converter) parts(parts []syntax.WordPart, ctx context) []Part {
	out := []Part{}
	quoted := ctx != ctxUnquoted
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.Lit:
			if ctx == ctxRaw {
				out = append(out, lit(p.Value))
			} else {
				out = append(out, lit(unescape(p.Value, ctx)))
			}
		case *syntax.SglQuoted:
			if ctx == ctxDouble || ctx == ctxHeredoc {
				out = append(out, lit(c.slice(p.Pos(), p.End())))
			} else if p.Dollar {
				out = append(out, lit(ansiC(p.Value)))
			} else {
				out = append(out, lit(p.Value))
			}
		case *syntax.DblQuoted:
			inner := c.parts(p.Parts, ctxDouble)
			if len(inner) == 0 {
				inner = []Part{lit("")}
			}
			out = append(out, inner...)
		case *syntax.ParamExp:
			out = append(out, c.param(p, quoted))
		case *syntax.CmdSubst:
			sub := &converter{src: c.src}
			sub.stmts(p.Stmts)
			x := "$(…)"
			if p.Backquotes {
				x = "`…`"
			}
			out = append(out, Part{X: x, C: nonNil(sub.out), Q: quoted})
		case *syntax.ProcSubst:
			sub := &converter{src: c.src}
			sub.stmts(p.Stmts)
			out = append(out, Part{X: p.Op.String() + "…)", C: nonNil(sub.out), Q: quoted})
		case *syntax.ArithmExp:
			out = append(out, Part{X: "$((…))", Q: quoted})
		default:
			out = append(out, Part{X: c.slice(p.Pos(), p.End()), Q: quoted})
		}
	}
	return out
}

func nonNil(cmds []*Cmd) []*Cmd {
	if cmds == nil {
		return []*Cmd{}
	}
	return cmds
}

// param keeps $NAME, ${NAME} and ${NAME:-default} / ${NAME:+alternative} as names the pack resolves; anything else as its source text.
func (c *converter) param(p *syntax.ParamExp, quoted bool) Part {
	src := c.slice(p.Pos(), p.End())
	if p.Param == nil || p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil ||
		p.Names != 0 || p.Flags != nil || p.NestedParam != nil || len(p.Modifiers) > 0 {
		return Part{X: src, Q: quoted}
	}
	part := Part{V: p.Param.Value, X: src, Q: quoted}
	if p.Exp != nil {
		switch op := p.Exp.Op.String(); op {
		case ":-", "-", ":=", "=", ":+", "+":
			part.O = op
			ctx := ctxAssign
			if quoted {
				ctx = ctxDouble
			}
			part.W = c.word(p.Exp.Word, ctx)
		default:
			return Part{X: src, Q: quoted}
		}
	}
	return part
}

// unescape removes the backslashes the shell removes in that context.
func unescape(s string, ctx context) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		next := s[i+1]
		switch {
		case next == '\n':
			i++
		case ctx == ctxUnquoted || ctx == ctxAssign:
			b.WriteByte(next)
			i++
		case ctx == ctxDouble && strings.IndexByte("$`\"\\", next) >= 0, ctx == ctxHeredoc && strings.IndexByte("$`\\", next) >= 0:
			b.WriteByte(next)
			i++
		default:
			b.WriteByte('\\')
		}
	}
	return b.String()
}

// ansiC decodes the common escapes of bash's $'…'.
func ansiC(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`, `\'`, "'", `\"`, `"`, `\r`, "\r", `\e`, "\x1b", `\a`, "\a")
	return r.Replace(s)
}
