package cql2

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// The String methods write cql2-text that ParseText reads back into the
// same tree (a fuzz target checks it). Every compound is parenthesised,
// so precedence never matters.

func (e *And) String() string { return joinExprs(e.Args, " AND ") }
func (e *Or) String() string  { return joinExprs(e.Args, " OR ") }
func (e *Not) String() string { return "NOT (" + e.Arg.String() + ")" }

func (e *Bool) String() string {
	if e.Value {
		return "TRUE"
	}
	return "FALSE"
}

func (e *Compare) String() string {
	return e.Left.String() + " " + e.Op.String() + " " + e.Right.String()
}

func (e *Like) String() string {
	return e.Arg.String() + not(e.Not) + " LIKE " + quote(e.Pattern)
}

func (e *In) String() string {
	var b strings.Builder
	b.WriteString(e.Arg.String() + not(e.Not) + " IN (")
	for i, l := range e.List {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l.String())
	}
	b.WriteString(")")
	return b.String()
}

func (e *Between) String() string {
	return e.Arg.String() + not(e.Not) + " BETWEEN " + e.Low.String() + " AND " + e.High.String()
}

func (e *IsNull) String() string {
	if e.Not {
		return e.Arg.String() + " IS NOT NULL"
	}
	return e.Arg.String() + " IS NULL"
}

func (e *Intersects) String() string {
	return "S_INTERSECTS(" + quoteIdent(e.Property) + ", " + WKT(e.Geometry) + ")"
}

func (p *Property) String() string { return quoteIdent(p.Name) }

func (l *Literal) String() string {
	switch v := l.Value.(type) {
	case string:
		return quote(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return formatFloat(v)
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case Date:
		return "DATE(" + quote(string(v)) + ")"
	case Timestamp:
		return "TIMESTAMP(" + quote(string(v)) + ")"
	}
	return "NULL"
}

func not(b bool) string {
	if b {
		return " NOT"
	}
	return ""
}

func joinExprs(args []Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "(" + a.String() + ")"
	}
	return strings.Join(parts, sep)
}

// quote writes a string literal, doubling single quotes.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent writes a property name in double quotes, doubling any
// double quote, so that names which are keywords or hold spaces survive.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// formatFloat writes a float so that it reads back as a float (never as
// an integer): 3 becomes "3.0".
func formatFloat(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return "0.0"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// WKT writes a geometry literal in cql2-text: WKT, or BBOX(...) for an
// orb.Bound.
func WKT(g orb.Geometry) string {
	var b strings.Builder
	writeWKT(&b, g)
	return b.String()
}

func writeWKT(b *strings.Builder, g orb.Geometry) {
	switch g := g.(type) {
	case orb.Bound:
		b.WriteString("BBOX(" + coord(g.Min[0]) + ", " + coord(g.Min[1]) + ", " + coord(g.Max[0]) + ", " + coord(g.Max[1]) + ")")
	case orb.Point:
		b.WriteString("POINT(")
		writePoint(b, g)
		b.WriteString(")")
	case orb.MultiPoint:
		b.WriteString("MULTIPOINT")
		writeSeq(b, len(g), func(i int) { b.WriteString("("); writePoint(b, g[i]); b.WriteString(")") })
	case orb.LineString:
		b.WriteString("LINESTRING")
		writePoints(b, g)
	case orb.MultiLineString:
		b.WriteString("MULTILINESTRING")
		writeSeq(b, len(g), func(i int) { writePoints(b, g[i]) })
	case orb.Polygon:
		b.WriteString("POLYGON")
		writeRings(b, g)
	case orb.MultiPolygon:
		b.WriteString("MULTIPOLYGON")
		writeSeq(b, len(g), func(i int) { writeRings(b, g[i]) })
	default:
		b.WriteString("GEOMETRYCOLLECTION EMPTY")
	}
}

func writeSeq(b *strings.Builder, n int, fn func(i int)) {
	b.WriteString("(")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fn(i)
	}
	b.WriteString(")")
}

func writePoint(b *strings.Builder, p orb.Point) {
	b.WriteString(coord(p[0]) + " " + coord(p[1]))
}

func writePoints(b *strings.Builder, ps []orb.Point) {
	writeSeq(b, len(ps), func(i int) { writePoint(b, ps[i]) })
}

func writeRings(b *strings.Builder, p orb.Polygon) {
	writeSeq(b, len(p), func(i int) { writePoints(b, p[i]) })
}

// coord writes a coordinate; -0 is written 0, which is what it reads
// back as (an integer has no negative zero).
func coord(v float64) string {
	if v == 0 {
		v = 0
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
