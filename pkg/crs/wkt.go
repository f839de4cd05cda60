package crs

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits that keep a hostile .prj from costing much: real WKT is a few
// kilobytes deep at most a dozen levels.
const (
	maxWKTLen   = 64 << 10
	maxWKTDepth = 32
	maxWKTNodes = 4096
)

// Node is one KEYWORD[...] element of a WKT text. Its arguments are, in
// order, quoted strings (string), numbers (float64), bare words such as
// EAST (Word), and child nodes (*Node).
type Node struct {
	Keyword string // upper-cased
	Args    []any
}

// Word is an unquoted WKT enumeration value, such as EAST or NORTH.
type Word string

// ParseWKT parses a WKT text (OGC WKT1, ESRI WKT, or the shape of WKT2)
// into its tree. It is tolerant: both [ ] and ( ) delimit arguments,
// keywords are case-insensitive, and trailing text after the root node is
// an error. It never panics and rejects input that is too long or too deep.
func ParseWKT(s string) (*Node, error) {
	if len(s) > maxWKTLen {
		return nil, fmt.Errorf("crs: wkt longer than %d bytes", maxWKTLen)
	}
	p := &wktParser{s: s}
	p.skipSpace()
	n, err := p.node(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("crs: wkt: unexpected %q at offset %d after the root node", p.s[p.i], p.i)
	}
	return n, nil
}

type wktParser struct {
	s     string
	i     int
	nodes int
}

func (p *wktParser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.i++
		default:
			return
		}
	}
}

func (p *wktParser) errorf(format string, args ...any) error {
	return fmt.Errorf("crs: wkt: "+format+" at offset %d", append(args, p.i)...)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func (p *wktParser) word() string {
	start := p.i
	for p.i < len(p.s) && isWordByte(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// node parses KEYWORD[args] at the current position.
func (p *wktParser) node(depth int) (*Node, error) {
	if depth >= maxWKTDepth {
		return nil, p.errorf("nested deeper than %d levels", maxWKTDepth)
	}
	if p.nodes++; p.nodes > maxWKTNodes {
		return nil, p.errorf("more than %d nodes", maxWKTNodes)
	}
	kw := p.word()
	if kw == "" || kw[0] >= '0' && kw[0] <= '9' {
		if p.i >= len(p.s) {
			return nil, p.errorf("expected a keyword, found the end")
		}
		return nil, p.errorf("expected a keyword, found %q", p.s[p.i])
	}
	n := &Node{Keyword: strings.ToUpper(kw)}
	p.skipSpace()
	if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return nil, p.errorf("expected [ after %s", kw)
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unterminated %s", kw)
		}
		c := p.s[p.i]
		if c == closer && len(n.Args) == 0 {
			p.i++
			return n, nil
		}
		arg, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		n.Args = append(n.Args, arg)
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, p.errorf("unterminated %s", kw)
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case closer:
			p.i++
			return n, nil
		default:
			return nil, p.errorf("expected , or %c in %s, found %q", closer, kw, p.s[p.i])
		}
	}
}

func (p *wktParser) value(depth int) (any, error) {
	c := p.s[p.i]
	switch {
	case c == '"':
		// WKT escapes a quote inside a string by doubling it.
		var b strings.Builder
		p.i++
		for {
			j := strings.IndexByte(p.s[p.i:], '"')
			if j < 0 {
				return nil, p.errorf("unterminated string")
			}
			b.WriteString(p.s[p.i : p.i+j])
			p.i += j + 1
			if p.i < len(p.s) && p.s[p.i] == '"' {
				b.WriteByte('"')
				p.i++
				continue
			}
			return b.String(), nil
		}
	case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' ||
				(c == '-' || c == '+') && (p.s[p.i-1] == 'e' || p.s[p.i-1] == 'E') {
				p.i++
				continue
			}
			break
		}
		f, err := strconv.ParseFloat(p.s[start:p.i], 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return nil, p.errorf("number %q out of range", p.s[start:p.i])
			}
			return nil, p.errorf("bad number %q", p.s[start:p.i])
		}
		return f, nil
	case isWordByte(c):
		save := p.i
		w := p.word()
		p.skipSpace()
		if p.i < len(p.s) && (p.s[p.i] == '[' || p.s[p.i] == '(') {
			p.i = save
			return p.node(depth + 1)
		}
		return Word(w), nil
	}
	return nil, p.errorf("unexpected %q", c)
}

// Child returns the first child node with the keyword (any of kws), or nil.
func (n *Node) Child(kws ...string) *Node {
	if n == nil {
		return nil
	}
	for _, a := range n.Args {
		if c, ok := a.(*Node); ok {
			for _, kw := range kws {
				if c.Keyword == kw {
					return c
				}
			}
		}
	}
	return nil
}

// Children returns every child node with the keyword.
func (n *Node) Children(kw string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	for _, a := range n.Args {
		if c, ok := a.(*Node); ok && c.Keyword == kw {
			out = append(out, c)
		}
	}
	return out
}

// Name returns the node's first argument when it is a string, else "".
func (n *Node) Name() string {
	if n == nil || len(n.Args) == 0 {
		return ""
	}
	s, _ := n.Args[0].(string)
	return s
}

// Number returns the i-th argument as a number.
func (n *Node) Number(i int) (float64, bool) {
	if n == nil || i < 0 || i >= len(n.Args) {
		return 0, false
	}
	f, ok := n.Args[i].(float64)
	return f, ok
}

// Numbers returns the numeric arguments of the node, in order.
func (n *Node) Numbers() []float64 {
	if n == nil {
		return nil
	}
	var out []float64
	for _, a := range n.Args {
		if f, ok := a.(float64); ok {
			out = append(out, f)
		}
	}
	return out
}

// String writes the node back as WKT with [ ] brackets; ParseWKT reads it
// back to the same tree.
func (n *Node) String() string {
	var b strings.Builder
	n.write(&b)
	return b.String()
}

func (n *Node) write(b *strings.Builder) {
	b.WriteString(n.Keyword)
	b.WriteByte('[')
	for i, a := range n.Args {
		if i > 0 {
			b.WriteByte(',')
		}
		switch a := a.(type) {
		case string:
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(a, `"`, `""`))
			b.WriteByte('"')
		case float64:
			b.WriteString(strconv.FormatFloat(a, 'g', -1, 64))
		case Word:
			b.WriteString(string(a))
		case *Node:
			a.write(b)
		}
	}
	b.WriteByte(']')
}
