package cql2

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// SyntaxError is a filter that does not parse: Offset is the byte offset
// in the cql2-text (0 for cql2-json, where Path says where).
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("cql2: at offset %d: %s", e.Offset, e.Msg)
}

type tokKind int

const (
	tEOF    tokKind = iota
	tIdent          // bare identifier or keyword
	tQIdent         // "quoted identifier"
	tString         // 'string'
	tNumber
	tPunct // ( ) , = <> < > <= >=
)

type token struct {
	kind tokKind
	text string // identifier, string contents, number or punctuation
	pos  int
}

type textParser struct {
	src      string
	pos      int
	tok      token
	depth    int
	vertices int
}

// ParseText parses a cql2-text filter.
func ParseText(s string) (Expr, error) {
	if len(s) > MaxLength {
		return nil, &SyntaxError{Msg: fmt.Sprintf("filter longer than %d bytes", MaxLength)}
	}
	if !utf8.ValidString(s) {
		return nil, &SyntaxError{Msg: "filter is not valid UTF-8"}
	}
	p := &textParser{src: s}
	if err := p.next(); err != nil {
		return nil, err
	}
	e, err := p.orExpr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.errorf("unexpected %s after the end of the expression", p.tok.describe())
	}
	if Depth(e) > MaxDepth {
		return nil, &SyntaxError{Msg: fmt.Sprintf("nested deeper than %d", MaxDepth)}
	}
	return e, nil
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tString:
		return "string " + quote(t.text)
	case tQIdent:
		return "property " + quoteIdent(t.text)
	}
	return strconv.Quote(t.text)
}

func (p *textParser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.tok.pos, Msg: fmt.Sprintf(format, args...)}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return r == '_' || r == '.' || r == ':' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// next reads the next token into p.tok.
func (p *textParser) next() error {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t' || s[p.pos] == '\n' || s[p.pos] == '\r') {
		p.pos++
	}
	start := p.pos
	if p.pos >= len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return nil
	}
	c := s[p.pos]
	switch {
	case c == '\'' || c == '"':
		var b strings.Builder
		p.pos++
		for {
			if p.pos >= len(s) {
				return &SyntaxError{Offset: start, Msg: "unterminated " + map[byte]string{'\'': "string", '"': "quoted property name"}[c]}
			}
			if s[p.pos] == c {
				if p.pos+1 < len(s) && s[p.pos+1] == c {
					b.WriteByte(c)
					p.pos += 2
					continue
				}
				p.pos++
				break
			}
			b.WriteByte(s[p.pos])
			p.pos++
		}
		kind := tString
		if c == '"' {
			kind = tQIdent
		}
		p.tok = token{kind: kind, text: b.String(), pos: start}
		return nil
	case c >= '0' && c <= '9' || c == '.' || (c == '-' || c == '+') && p.pos+1 < len(s) && (s[p.pos+1] >= '0' && s[p.pos+1] <= '9' || s[p.pos+1] == '.'):
		p.pos++
		for p.pos < len(s) {
			d := s[p.pos]
			if d >= '0' && d <= '9' || d == '.' {
				p.pos++
			} else if (d == 'e' || d == 'E') && p.pos+1 < len(s) {
				p.pos++
				if s[p.pos] == '+' || s[p.pos] == '-' {
					p.pos++
				}
			} else {
				break
			}
		}
		p.tok = token{kind: tNumber, text: s[start:p.pos], pos: start}
		return nil
	case strings.IndexByte("(),=", c) >= 0:
		p.pos++
		p.tok = token{kind: tPunct, text: string(c), pos: start}
		return nil
	case c == '<' || c == '>':
		p.pos++
		if p.pos < len(s) && (s[p.pos] == '=' || c == '<' && s[p.pos] == '>') {
			p.pos++
		}
		p.tok = token{kind: tPunct, text: s[start:p.pos], pos: start}
		return nil
	}
	r, size := utf8.DecodeRuneInString(s[p.pos:])
	if !isIdentStart(r) {
		return &SyntaxError{Offset: start, Msg: fmt.Sprintf("unexpected character %q", r)}
	}
	p.pos += size
	for p.pos < len(s) {
		r, size := utf8.DecodeRuneInString(s[p.pos:])
		if !isIdentPart(r) {
			break
		}
		p.pos += size
	}
	p.tok = token{kind: tIdent, text: s[start:p.pos], pos: start}
	return nil
}

// is reports whether the current token is the keyword or punctuation kw.
func (p *textParser) is(kw string) bool {
	return (p.tok.kind == tIdent || p.tok.kind == tPunct) && strings.EqualFold(p.tok.text, kw)
}

// accept consumes kw if it is the current token.
func (p *textParser) accept(kw string) (bool, error) {
	if !p.is(kw) {
		return false, nil
	}
	return true, p.next()
}

func (p *textParser) expect(kw string) error {
	if !p.is(kw) {
		return p.errorf("expected %s, found %s", kw, p.tok.describe())
	}
	return p.next()
}

// enter bounds the parser's recursion (parentheses and NOTs); the tree's
// own depth is checked at the end (Depth), as String adds parentheses.
func (p *textParser) enter() error {
	p.depth++
	if p.depth > 4*MaxDepth {
		return p.errorf("nested deeper than %d", MaxDepth)
	}
	return nil
}

func (p *textParser) leave() { p.depth-- }

func (p *textParser) orExpr() (Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	var args []Expr
	for {
		e, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if ok, err := p.accept("OR"); err != nil {
			return nil, err
		} else if !ok {
			break
		}
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &Or{Args: args}, nil
}

func (p *textParser) andExpr() (Expr, error) {
	var args []Expr
	for {
		e, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if ok, err := p.accept("AND"); err != nil {
			return nil, err
		} else if !ok {
			break
		}
	}
	if len(args) == 1 {
		return args[0], nil
	}
	return &And{Args: args}, nil
}

func (p *textParser) notExpr() (Expr, error) {
	if ok, err := p.accept("NOT"); err != nil {
		return nil, err
	} else if ok {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		e, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &Not{Arg: e}, nil
	}
	return p.primary()
}

// keywords cannot be bare property names (quote them to use them).
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "LIKE": true, "IN": true, "BETWEEN": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true, "DATE": true, "TIMESTAMP": true,
	"S_INTERSECTS": true, "BBOX": true, "POINT": true, "LINESTRING": true, "POLYGON": true,
	"MULTIPOINT": true, "MULTILINESTRING": true, "MULTIPOLYGON": true,
}

func (p *textParser) primary() (Expr, error) {
	switch {
	case p.is("("):
		if err := p.next(); err != nil {
			return nil, err
		}
		e, err := p.orExpr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(")")
	case p.is("S_INTERSECTS"):
		return p.intersects()
	case p.is("TRUE") || p.is("FALSE"):
		// A boolean literal is a predicate unless an operator follows.
		v := p.is("TRUE")
		save, savePos := p.tok, p.pos
		if err := p.next(); err != nil {
			return nil, err
		}
		if !p.startsPredicateTail() {
			return &Bool{Value: v}, nil
		}
		p.tok, p.pos = save, savePos
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	return p.predicateTail(left)
}

// startsPredicateTail reports whether the current token continues a
// scalar predicate (an operator, NOT, LIKE, IN, BETWEEN or IS).
func (p *textParser) startsPredicateTail() bool {
	if p.tok.kind == tPunct && p.tok.text != "(" && p.tok.text != ")" && p.tok.text != "," {
		return true
	}
	return p.is("LIKE") || p.is("IN") || p.is("BETWEEN") || p.is("IS") || p.is("NOT")
}

func (p *textParser) predicateTail(left Operand) (Expr, error) {
	if p.tok.kind == tPunct {
		for op, text := range opText {
			if p.tok.text == text {
				if err := p.next(); err != nil {
					return nil, err
				}
				right, err := p.operand()
				if err != nil {
					return nil, err
				}
				return &Compare{Op: Op(op), Left: left, Right: right}, nil
			}
		}
	}
	if p.is("IS") {
		if err := p.next(); err != nil {
			return nil, err
		}
		neg, err := p.accept("NOT")
		if err != nil {
			return nil, err
		}
		return &IsNull{Arg: left, Not: neg}, p.expect("NULL")
	}
	neg, err := p.accept("NOT")
	if err != nil {
		return nil, err
	}
	switch {
	case p.is("LIKE"):
		if err := p.next(); err != nil {
			return nil, err
		}
		if p.tok.kind != tString {
			return nil, p.errorf("LIKE needs a string pattern, found %s", p.tok.describe())
		}
		pat := p.tok.text
		return &Like{Arg: left, Pattern: pat, Not: neg}, p.next()
	case p.is("BETWEEN"):
		if err := p.next(); err != nil {
			return nil, err
		}
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect("AND"); err != nil {
			return nil, err
		}
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &Between{Arg: left, Low: lo, High: hi, Not: neg}, nil
	case p.is("IN"):
		if err := p.next(); err != nil {
			return nil, err
		}
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var list []*Literal
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			l, ok := o.(*Literal)
			if !ok {
				return nil, p.errorf("IN takes a list of literals, found property %s", o)
			}
			list = append(list, l)
			if ok, err := p.accept(","); err != nil {
				return nil, err
			} else if !ok {
				break
			}
		}
		return &In{Arg: left, List: list, Not: neg}, p.expect(")")
	}
	if neg {
		return nil, p.errorf("expected LIKE, BETWEEN or IN after NOT, found %s", p.tok.describe())
	}
	return nil, p.errorf("expected a comparison operator, LIKE, BETWEEN, IN or IS after %s, found %s", left, p.tok.describe())
}

// operand reads a property or a scalar literal.
func (p *textParser) operand() (Operand, error) {
	t := p.tok
	switch t.kind {
	case tQIdent:
		if t.text == "" {
			return nil, p.errorf("empty property name")
		}
		return &Property{Name: t.text, Field: -1}, p.next()
	case tString:
		return &Literal{Value: t.text}, p.next()
	case tNumber:
		v, err := parseNumber(t.text)
		if err != nil {
			return nil, p.errorf("%v", err)
		}
		return &Literal{Value: v}, p.next()
	case tIdent:
		up := strings.ToUpper(t.text)
		switch up {
		case "TRUE", "FALSE":
			return &Literal{Value: up == "TRUE"}, p.next()
		case "DATE", "TIMESTAMP":
			if err := p.next(); err != nil {
				return nil, err
			}
			if err := p.expect("("); err != nil {
				return nil, err
			}
			if p.tok.kind != tString {
				return nil, p.errorf("%s needs a string, found %s", up, p.tok.describe())
			}
			s := p.tok.text
			var v any
			var err error
			if up == "DATE" {
				v, err = parseDate(s)
			} else {
				v, err = parseTimestamp(s)
			}
			if err != nil {
				return nil, p.errorf("%v", err)
			}
			if err := p.next(); err != nil {
				return nil, err
			}
			return &Literal{Value: v}, p.expect(")")
		}
		if keywords[up] {
			return nil, p.errorf("expected a property or a literal, found keyword %s (quote property names that are keywords)", t.text)
		}
		return &Property{Name: t.text, Field: -1}, p.next()
	}
	return nil, p.errorf("expected a property or a literal, found %s", t.describe())
}

// parseNumber reads an integer as int64 when it fits, else a float64;
// infinities and NaN are refused.
func parseNumber(s string) (any, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, fmt.Errorf("bad number %q", s)
	}
	return f, nil
}

func (p *textParser) intersects() (Expr, error) {
	if err := p.next(); err != nil {
		return nil, err
	}
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var prop string
	var geom orb.Geometry
	for i := 0; i < 2; i++ {
		if i == 1 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		// A name followed by "(" is a geometry (perhaps one not supported).
		call := strings.HasPrefix(strings.TrimLeft(p.src[p.pos:], " \t\r\n"), "(")
		if p.tok.kind == tQIdent || p.tok.kind == tIdent && !keywords[strings.ToUpper(p.tok.text)] && !call {
			if p.tok.text == "" {
				return nil, p.errorf("empty property name")
			}
			if prop != "" {
				return nil, p.errorf("S_INTERSECTS compares a property with a geometry literal, not two properties")
			}
			prop = p.tok.text
			if err := p.next(); err != nil {
				return nil, err
			}
			continue
		}
		if geom != nil {
			return nil, p.errorf("S_INTERSECTS of two literals: one argument must be the geometry property")
		}
		g, err := p.geometry()
		if err != nil {
			return nil, err
		}
		geom = g
	}
	if prop == "" || geom == nil {
		return nil, p.errorf("S_INTERSECTS takes the geometry property and a geometry literal")
	}
	return &Intersects{Property: prop, Geometry: geom}, p.expect(")")
}

// geometry reads a WKT geometry or BBOX(...).
func (p *textParser) geometry() (orb.Geometry, error) {
	if p.tok.kind != tIdent {
		return nil, p.errorf("expected a geometry (POINT, LINESTRING, POLYGON, MULTI..., BBOX), found %s", p.tok.describe())
	}
	kind := strings.ToUpper(p.tok.text)
	if err := p.next(); err != nil {
		return nil, err
	}
	// Optional Z: "POINT Z (...)"; the third coordinate is dropped.
	if p.is("Z") {
		if err := p.next(); err != nil {
			return nil, err
		}
	}
	switch kind {
	case "BBOX":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var nums []float64
		for {
			v, err := p.number()
			if err != nil {
				return nil, err
			}
			nums = append(nums, v)
			if ok, err := p.accept(","); err != nil {
				return nil, err
			} else if !ok {
				break
			}
			if len(nums) >= 6 {
				return nil, p.errorf("BBOX takes 4 or 6 numbers")
			}
		}
		b, err := boundOf(nums)
		if err != nil {
			return nil, p.errorf("%v", err)
		}
		return b, p.expect(")")
	case "POINT":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(")")
	case "LINESTRING":
		ls, err := p.points()
		if err != nil {
			return nil, err
		}
		if len(ls) < 2 {
			return nil, p.errorf("a LINESTRING needs at least 2 points")
		}
		return orb.LineString(ls), nil
	case "POLYGON":
		return p.polygon()
	case "MULTIPOINT":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var mp orb.MultiPoint
		for {
			paren, err := p.accept("(")
			if err != nil {
				return nil, err
			}
			pt, err := p.point()
			if err != nil {
				return nil, err
			}
			if paren {
				if err := p.expect(")"); err != nil {
					return nil, err
				}
			}
			mp = append(mp, pt)
			if ok, err := p.accept(","); err != nil {
				return nil, err
			} else if !ok {
				break
			}
		}
		return mp, p.expect(")")
	case "MULTILINESTRING":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var ml orb.MultiLineString
		for {
			ls, err := p.points()
			if err != nil {
				return nil, err
			}
			if len(ls) < 2 {
				return nil, p.errorf("a LINESTRING needs at least 2 points")
			}
			ml = append(ml, ls)
			if ok, err := p.accept(","); err != nil {
				return nil, err
			} else if !ok {
				break
			}
		}
		return ml, p.expect(")")
	case "MULTIPOLYGON":
		if err := p.expect("("); err != nil {
			return nil, err
		}
		var mp orb.MultiPolygon
		for {
			pg, err := p.polygon()
			if err != nil {
				return nil, err
			}
			mp = append(mp, pg)
			if ok, err := p.accept(","); err != nil {
				return nil, err
			} else if !ok {
				break
			}
		}
		return mp, p.expect(")")
	}
	return nil, &SyntaxError{Offset: p.tok.pos, Msg: fmt.Sprintf("unsupported geometry %s (POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON or BBOX)", kind)}
}

func (p *textParser) number() (float64, error) {
	if p.tok.kind != tNumber {
		return 0, p.errorf("expected a number, found %s", p.tok.describe())
	}
	v, err := parseNumber(p.tok.text)
	if err != nil {
		return 0, p.errorf("%v", err)
	}
	if err := p.next(); err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case int64:
		return float64(v), nil
	default:
		return v.(float64), nil
	}
}

// point reads "x y" or "x y z".
func (p *textParser) point() (orb.Point, error) {
	p.vertices++
	if p.vertices > MaxVertices {
		return orb.Point{}, p.errorf("geometries with more than %d vertices", MaxVertices)
	}
	x, err := p.number()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.number()
	if err != nil {
		return orb.Point{}, err
	}
	if p.tok.kind == tNumber {
		if _, err := p.number(); err != nil {
			return orb.Point{}, err
		}
	}
	return orb.Point{x, y}, nil
}

// points reads "(x y, x y, ...)".
func (p *textParser) points() ([]orb.Point, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var pts []orb.Point
	for {
		pt, err := p.point()
		if err != nil {
			return nil, err
		}
		pts = append(pts, pt)
		if ok, err := p.accept(","); err != nil {
			return nil, err
		} else if !ok {
			break
		}
	}
	return pts, p.expect(")")
}

// polygon reads "((ring), (hole), ...)"; rings must be closed.
func (p *textParser) polygon() (orb.Polygon, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	var pg orb.Polygon
	for {
		pos := p.tok.pos
		pts, err := p.points()
		if err != nil {
			return nil, err
		}
		if err := checkRing(pts); err != nil {
			return nil, &SyntaxError{Offset: pos, Msg: err.Error()}
		}
		pg = append(pg, orb.Ring(pts))
		if ok, err := p.accept(","); err != nil {
			return nil, err
		} else if !ok {
			break
		}
	}
	return pg, p.expect(")")
}

// checkRing requires a closed ring of at least 4 points.
func checkRing(pts []orb.Point) error {
	if len(pts) < 4 {
		return fmt.Errorf("a polygon ring needs at least 4 points, found %d", len(pts))
	}
	if pts[0] != pts[len(pts)-1] {
		return fmt.Errorf("polygon ring not closed: first point %v, last %v", pts[0], pts[len(pts)-1])
	}
	return nil
}

// boundOf makes the box of BBOX(minx, miny, maxx, maxy) or its 6-number
// form with heights, which are dropped. A box crossing the antimeridian
// (minx > maxx) is refused here: the ogcapi bbox parameter handles it.
func boundOf(n []float64) (orb.Bound, error) {
	switch len(n) {
	case 4:
	case 6:
		n = []float64{n[0], n[1], n[3], n[4]}
	default:
		return orb.Bound{}, fmt.Errorf("BBOX takes 4 or 6 numbers, found %d", len(n))
	}
	if n[0] > n[2] || n[1] > n[3] {
		return orb.Bound{}, fmt.Errorf("BBOX minimum above maximum")
	}
	return orb.Bound{Min: orb.Point{n[0], n[1]}, Max: orb.Point{n[2], n[3]}}, nil
}

// parseDate checks a DATE literal: YYYY-MM-DD.
func parseDate(s string) (Date, error) {
	if !validDate(s) {
		return "", fmt.Errorf("bad DATE %q (want YYYY-MM-DD)", s)
	}
	return Date(s), nil
}

func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	m, d := (s[5]-'0')*10+s[6]-'0', (s[8]-'0')*10+s[9]-'0'
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// parseTimestamp checks a TIMESTAMP literal: RFC 3339 with a time zone.
func parseTimestamp(s string) (Timestamp, error) {
	if len(s) < 20 || !validDate(s[:10]) || (s[10] != 'T' && s[10] != 't') {
		return "", fmt.Errorf("bad TIMESTAMP %q (want RFC 3339, e.g. 2025-07-01T00:00:00Z)", s)
	}
	return Timestamp(s), nil
}
