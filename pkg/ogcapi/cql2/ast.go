package cql2

import (
	"github.com/paulmach/orb"
)

// Limits on what a parser accepts, so that a filter's parse and
// evaluation work stays bounded whatever a client sends.
const (
	MaxLength   = 256 << 10 // bytes of filter text or JSON
	MaxDepth    = 64        // nesting of expressions and geometries
	MaxVertices = 100000    // vertices of all geometry literals together
)

// Expr is a boolean expression: *And, *Or, *Not, *Bool, *Compare, *Like,
// *In, *Between, *IsNull or *Intersects. String renders it in cql2-text.
type Expr interface {
	String() string
	expr()
}

// Operand is a scalar operand: *Property or *Literal.
type Operand interface {
	String() string
	operand()
}

// And is true when every argument is.
type And struct{ Args []Expr }

// Or is true when any argument is.
type Or struct{ Args []Expr }

// Not negates its argument (unknown stays unknown).
type Not struct{ Arg Expr }

// Bool is the literal TRUE or FALSE used as a predicate.
type Bool struct{ Value bool }

// Op is a comparison operator.
type Op int

// Comparison operators.
const (
	Eq Op = iota // =
	Ne           // <>
	Lt           // <
	Gt           // >
	Le           // <=
	Ge           // >=
)

var opText = [...]string{"=", "<>", "<", ">", "<=", ">="}

// String returns the operator as written in cql2-text and SQL.
func (o Op) String() string { return opText[o] }

// Compare is a binary comparison.
type Compare struct {
	Op          Op
	Left, Right Operand
}

// Like matches Arg against Pattern, where % matches any run of
// characters, _ any one character, and a backslash escapes the next
// character.
type Like struct {
	Arg     Operand
	Pattern string
	Not     bool
}

// In is true when Arg equals one of List.
type In struct {
	Arg  Operand
	List []*Literal
	Not  bool
}

// Between is Low <= Arg <= High.
type Between struct {
	Arg       Operand
	Low, High Operand
	Not       bool
}

// IsNull is true when Arg is null (the property is missing).
type IsNull struct {
	Arg Operand
	Not bool
}

// Intersects is S_INTERSECTS(property, geometry literal).
type Intersects struct {
	// Property is the geometry property named in the filter.
	Property string
	// Geometry is the literal in the filter CRS until the caller
	// transforms it (MapGeometries), CRS84 when evaluated. A BBOX literal
	// is an orb.Bound.
	Geometry orb.Geometry
}

// Property references a queryable property. Field is its index in the
// schema, set by Bind (-1 before).
type Property struct {
	Name  string
	Field int
}

// Date is a DATE('YYYY-MM-DD') literal.
type Date string

// Timestamp is a TIMESTAMP('...') literal, kept as written (RFC 3339).
type Timestamp string

// Literal is a scalar literal: Value is a string, int64, float64, bool,
// Date or Timestamp. Bind converts it to the type of the property it is
// compared with (an integer literal against a float field becomes a
// float64), so that it compares and looks up in dictionaries as the
// stored values do.
type Literal struct{ Value any }

func (*And) expr()        {}
func (*Or) expr()         {}
func (*Not) expr()        {}
func (*Bool) expr()       {}
func (*Compare) expr()    {}
func (*Like) expr()       {}
func (*In) expr()         {}
func (*Between) expr()    {}
func (*IsNull) expr()     {}
func (*Intersects) expr() {}

func (*Property) operand() {}
func (*Literal) operand()  {}

// Walk calls fn for e and every expression below it, parents first.
func Walk(e Expr, fn func(Expr)) {
	fn(e)
	switch e := e.(type) {
	case *And:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	case *Or:
		for _, a := range e.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(e.Arg, fn)
	}
}

// MapGeometries replaces the geometry of every S_INTERSECTS by fn's
// result: the caller transforms filter-crs coordinates into CRS84 with
// it. fn receives an orb.Bound for a BBOX literal.
func MapGeometries(e Expr, fn func(orb.Geometry) (orb.Geometry, error)) error {
	var err error
	Walk(e, func(x Expr) {
		if s, ok := x.(*Intersects); ok && err == nil {
			var g orb.Geometry
			if g, err = fn(s.Geometry); err == nil {
				s.Geometry = g
			}
		}
	})
	return err
}

// Depth returns the nesting depth of e: 1 for a predicate, one more for
// each AND, OR or NOT above it. Parsers refuse trees deeper than
// MaxDepth, whatever the parentheses, so that e.String() always parses.
func Depth(e Expr) int {
	d := 0
	switch e := e.(type) {
	case *And:
		for _, a := range e.Args {
			d = max(d, Depth(a))
		}
	case *Or:
		for _, a := range e.Args {
			d = max(d, Depth(a))
		}
	case *Not:
		d = Depth(e.Arg)
	}
	return d + 1
}
