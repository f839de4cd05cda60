package cql2

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

// Record is one feature as the evaluator sees it: the value of a field
// (by schema index: nil when missing, else a string, int64, float64 or
// bool as pkg/index stores them) and the geometry in CRS84.
type Record interface {
	Value(field int) any
	Geometry() orb.Geometry
}

// CodedRecord is a Record that can also give the dictionary code of a
// field's value (pkg/index's Layer.Value returns it), so that equality
// and IN on dictionary-coded fields compare integers only.
type CodedRecord interface {
	Record
	Code(field int) uint32
}

// Bounder is a Record that knows its geometry's bounding box without
// building the geometry (pkg/index keeps every feature's box): the
// spatial test then builds the geometry only for records whose box
// meets the filter's.
type Bounder interface {
	Bound() orb.Bound
}

// Dictionary resolves a literal to the code of a dictionary-coded field.
// Literals are passed as records hold them: string, int64, float64 or
// bool (dates as "YYYY-MM-DD" strings), already converted by Bind to the
// field's type.
// exact reports whether codes decide equality for the field: equal
// values have equal codes and different values different codes (a fully
// coded column). When exact, found reports whether any feature has the
// value, and code is its code. A Compile with a Dictionary needs
// CodedRecords: the predicate calls Code for the exact fields instead of
// Value. Code 0 must mean null, as in pkg/index.
type Dictionary interface {
	Lookup(field int, v any) (code uint32, found, exact bool)
}

// Predicate reports whether a record matches the filter.
type Predicate func(Record) bool

// tri is SQL's three-valued truth.
type tri int8

const (
	no tri = iota
	yes
	unknown
)

type node func(Record) tri

// Compile turns a bound expression (see Bind) into a predicate. dict may
// be nil; see Dictionary for what it buys.
func Compile(e Expr, dict Dictionary) (Predicate, error) {
	c := &compiler{dict: dict}
	n, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	return func(r Record) bool { return n(r) == yes }, nil
}

type compiler struct{ dict Dictionary }

func (c *compiler) expr(e Expr) (node, error) {
	switch e := e.(type) {
	case *And:
		ns, err := c.list(e.Args)
		if err != nil {
			return nil, err
		}
		return func(r Record) tri {
			res := yes
			for _, n := range ns {
				switch n(r) {
				case no:
					return no
				case unknown:
					res = unknown
				}
			}
			return res
		}, nil
	case *Or:
		ns, err := c.list(e.Args)
		if err != nil {
			return nil, err
		}
		return func(r Record) tri {
			res := no
			for _, n := range ns {
				switch n(r) {
				case yes:
					return yes
				case unknown:
					res = unknown
				}
			}
			return res
		}, nil
	case *Not:
		n, err := c.expr(e.Arg)
		if err != nil {
			return nil, err
		}
		return func(r Record) tri {
			switch n(r) {
			case yes:
				return no
			case no:
				return yes
			}
			return unknown
		}, nil
	case *Bool:
		v := no
		if e.Value {
			v = yes
		}
		return func(Record) tri { return v }, nil
	case *Compare:
		if n := c.codedEquality(e.Left, e.Right, e.Op); n != nil {
			return n, nil
		}
		l, err := c.operand(e.Left)
		if err != nil {
			return nil, err
		}
		r, err := c.operand(e.Right)
		if err != nil {
			return nil, err
		}
		op := e.Op
		return func(rec Record) tri {
			a, b := l(rec), r(rec)
			if a == nil || b == nil {
				return unknown
			}
			cmp, ok := compareValues(a, b)
			if !ok {
				return unknown
			}
			return truth(opHolds(op, cmp))
		}, nil
	case *Like:
		re, err := likeRegexp(e.Pattern)
		if err != nil {
			return nil, err
		}
		arg, err := c.operand(e.Arg)
		if err != nil {
			return nil, err
		}
		neg := e.Not
		return func(r Record) tri {
			s, ok := arg(r).(string)
			if !ok {
				return unknown
			}
			return truth(re.MatchString(s) != neg)
		}, nil
	case *In:
		if n := c.codedIn(e); n != nil {
			return n, nil
		}
		arg, err := c.operand(e.Arg)
		if err != nil {
			return nil, err
		}
		list := make([]any, len(e.List))
		for i, l := range e.List {
			list[i] = plain(l.Value)
		}
		neg := e.Not
		return func(r Record) tri {
			v := arg(r)
			if v == nil {
				return unknown
			}
			for _, l := range list {
				if cmp, ok := compareValues(v, l); ok && cmp == 0 {
					return truth(!neg)
				}
			}
			return truth(neg)
		}, nil
	case *Between:
		arg, err := c.operand(e.Arg)
		if err != nil {
			return nil, err
		}
		lo, err := c.operand(e.Low)
		if err != nil {
			return nil, err
		}
		hi, err := c.operand(e.High)
		if err != nil {
			return nil, err
		}
		neg := e.Not
		return func(r Record) tri {
			v, a, b := arg(r), lo(r), hi(r)
			if v == nil || a == nil || b == nil {
				return unknown
			}
			c1, ok1 := compareValues(v, a)
			c2, ok2 := compareValues(v, b)
			if !ok1 || !ok2 {
				return unknown
			}
			return truth((c1 >= 0 && c2 <= 0) != neg)
		}, nil
	case *IsNull:
		arg, err := c.operand(e.Arg)
		if err != nil {
			return nil, err
		}
		neg := e.Not
		return func(r Record) tri { return truth((arg(r) == nil) != neg) }, nil
	case *Intersects:
		g := e.Geometry
		if g == nil {
			return nil, fmt.Errorf("cql2: S_INTERSECTS without a geometry")
		}
		gb := g.Bound()
		return func(r Record) tri {
			if bd, ok := r.(Bounder); ok && !bd.Bound().Intersects(gb) {
				return no
			}
			fg := r.Geometry()
			if fg == nil {
				return unknown
			}
			if !fg.Bound().Intersects(gb) {
				return no
			}
			return truth(GeometryIntersects(fg, g))
		}, nil
	}
	return nil, fmt.Errorf("cql2: cannot evaluate %T", e)
}

func (c *compiler) list(es []Expr) ([]node, error) {
	ns := make([]node, len(es))
	for i, e := range es {
		n, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		ns[i] = n
	}
	return ns, nil
}

func truth(b bool) tri {
	if b {
		return yes
	}
	return no
}

func opHolds(op Op, cmp int) bool {
	switch op {
	case Eq:
		return cmp == 0
	case Ne:
		return cmp != 0
	case Lt:
		return cmp < 0
	case Gt:
		return cmp > 0
	case Le:
		return cmp <= 0
	}
	return cmp >= 0
}

// operand returns a function giving the operand's value for a record.
func (c *compiler) operand(o Operand) (func(Record) any, error) {
	switch o := o.(type) {
	case *Property:
		if o.Field < 0 {
			return nil, fmt.Errorf("cql2: property %q not bound (call Bind first)", o.Name)
		}
		f := o.Field
		return func(r Record) any { return r.Value(f) }, nil
	case *Literal:
		v := plain(o.Value)
		return func(Record) any { return v }, nil
	}
	return nil, fmt.Errorf("cql2: unknown operand %T", o)
}

// plain turns Date and Timestamp literals into the strings that records
// hold (dates are "YYYY-MM-DD" in pkg/index, which order as dates).
func plain(v any) any {
	switch t := v.(type) {
	case Date:
		return string(t)
	case Timestamp:
		return string(t)
	}
	return v
}

// exactField returns the field of o when o is a property whose field the
// dictionary decides by code.
func (c *compiler) exactField(o Operand, lit *Literal) (field int, code uint32, found, ok bool) {
	p, isProp := o.(*Property)
	if c.dict == nil || !isProp || p.Field < 0 {
		return 0, 0, false, false
	}
	code, found, exact := c.dict.Lookup(p.Field, plain(lit.Value))
	return p.Field, code, found, exact
}

// codedEquality compiles property = literal and property <> literal on
// an exactly coded field into a code comparison; nil when it does not
// apply.
func (c *compiler) codedEquality(a, b Operand, op Op) node {
	if op != Eq && op != Ne {
		return nil
	}
	if _, ok := a.(*Literal); ok {
		a, b = b, a
	}
	lit, ok := b.(*Literal)
	if !ok {
		return nil
	}
	f, code, found, exact := c.exactField(a, lit)
	if !exact {
		return nil
	}
	eq := op == Eq
	return func(r Record) tri {
		got := r.(CodedRecord).Code(f)
		if got == 0 {
			return unknown
		}
		return truth((found && got == code) == eq)
	}
}

// codedIn compiles IN on an exactly coded field into a code set test.
func (c *compiler) codedIn(e *In) node {
	if len(e.List) == 0 {
		return nil
	}
	set := map[uint32]bool{}
	field := -1
	for _, l := range e.List {
		f, code, found, exact := c.exactField(e.Arg, l)
		if !exact {
			return nil
		}
		field = f
		if found {
			set[code] = true
		}
	}
	neg := e.Not
	return func(r Record) tri {
		got := r.(CodedRecord).Code(field)
		if got == 0 {
			return unknown
		}
		return truth(set[got] != neg)
	}
}

// compareValues orders two non-nil values of comparable types: numbers
// numerically (int64 and float64 mixed), strings byte-wise (PostgreSQL's
// "C" collation), false before true. ok is false for other pairs.
func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, y), true
		case float64:
			return cmpOrdered(float64(x), y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, float64(y)), true
		case float64:
			return cmpOrdered(x, y), true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareValues orders two property values for sortby, the same way the
// evaluator compares them: nil sorts last (as PostgreSQL's ASC NULLS
// LAST), numbers numerically, strings byte-wise, false before true;
// values of different kinds order by kind.
func CompareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if c, ok := compareValues(a, b); ok {
		return c
	}
	return cmpOrdered(int64(kindRank(a)), int64(kindRank(b)))
}

func kindRank(v any) int {
	switch v.(type) {
	case bool:
		return 0
	case int64, float64:
		return 1
	case string:
		return 2
	}
	return 3
}

// likeRegexp turns a LIKE pattern into an anchored regular expression
// (Go's regexp runs in linear time, so no pattern can blow up).
func likeRegexp(pat string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	esc := false
	for _, r := range pat {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if esc {
		return nil, fmt.Errorf("cql2: LIKE pattern %q ends with an escape character", pat)
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}
