package cql2

import (
	"errors"
	"fmt"
	"math"

	"github.com/sonla-gis/plantile/pkg/feature"
)

// Queryables are what a filter may name: the fields of a layer's schema
// (JSON fields excluded: they have no order or equality a client could
// rely on) and the geometry property.
type Queryables struct {
	Schema feature.Schema
	// Geometry is the name of the geometry property; "" means "geometry".
	// "geom" and "the_geom" are accepted too, as clients write them.
	Geometry string
}

// PropertyError is a filter naming a property the layer does not have, or
// using it with a literal of the wrong type. The server maps it to 400.
type PropertyError struct {
	Property string
	Reason   string
}

func (e *PropertyError) Error() string {
	return fmt.Sprintf("cql2: property %q: %s", e.Property, e.Reason)
}

func (q Queryables) isGeometry(name string) bool {
	g := q.Geometry
	if g == "" {
		g = "geometry"
	}
	return name == g || name == "geometry" || name == "geom" || name == "the_geom"
}

// Bind resolves every property of e against q (setting Property.Field),
// and converts every literal compared with a property to the property's
// type: an integer literal against a float field becomes a float64, a
// string against a date field a Date (and must be one). A string literal
// against a numeric field, or a number against a string field, is an
// error: PostGIS would refuse it too, and silently never matching would
// hide the client's mistake.
func Bind(e Expr, q Queryables) error {
	var err error
	Walk(e, func(x Expr) {
		if err == nil {
			err = bindExpr(x, q)
		}
	})
	return err
}

func bindExpr(x Expr, q Queryables) error {
	switch x := x.(type) {
	case *Intersects:
		if !q.isGeometry(x.Property) {
			return &PropertyError{Property: x.Property, Reason: "not the geometry property"}
		}
	case *Compare:
		return bindPair(q, x.Left, x.Right)
	case *Like:
		t, err := bindOperand(q, x.Arg)
		if err != nil {
			return err
		}
		if p, ok := x.Arg.(*Property); ok && t != feature.String {
			return &PropertyError{Property: p.Name, Reason: "LIKE needs a text property, this one is " + t.String()}
		}
		if l, ok := x.Arg.(*Literal); ok {
			if _, isStr := l.Value.(string); !isStr {
				return errors.New("cql2: LIKE needs a text operand")
			}
		}
	case *In:
		for _, l := range x.List {
			if err := bindPair(q, x.Arg, l); err != nil {
				return err
			}
		}
	case *Between:
		if err := bindPair(q, x.Arg, x.Low); err != nil {
			return err
		}
		return bindPair(q, x.Arg, x.High)
	case *IsNull:
		_, err := bindOperand(q, x.Arg)
		return err
	}
	return nil
}

// bindOperand resolves a property and returns its type; a literal gets the
// type of its value.
func bindOperand(q Queryables, o Operand) (feature.FieldType, error) {
	switch o := o.(type) {
	case *Property:
		i := q.Schema.Index(o.Name)
		if i < 0 {
			if q.isGeometry(o.Name) {
				return 0, &PropertyError{Property: o.Name, Reason: "the geometry can only be used in S_INTERSECTS"}
			}
			return 0, &PropertyError{Property: o.Name, Reason: "no such queryable"}
		}
		t := q.Schema.Fields[i].Type
		if t == feature.JSON {
			return 0, &PropertyError{Property: o.Name, Reason: "JSON properties are not queryable"}
		}
		o.Field = i
		return t, nil
	case *Literal:
		switch o.Value.(type) {
		case int64:
			return feature.Int, nil
		case float64:
			return feature.Float, nil
		case bool:
			return feature.Bool, nil
		case Date, Timestamp:
			return feature.Date, nil
		}
	}
	return feature.String, nil
}

// bindPair resolves both operands and converts a literal to the type of
// the property on the other side.
func bindPair(q Queryables, a, b Operand) error {
	ta, err := bindOperand(q, a)
	if err != nil {
		return err
	}
	tb, err := bindOperand(q, b)
	if err != nil {
		return err
	}
	pa, aIsProp := a.(*Property)
	pb, bIsProp := b.(*Property)
	switch {
	case aIsProp && !bIsProp:
		return convert(pa, ta, b.(*Literal))
	case bIsProp && !aIsProp:
		return convert(pb, tb, a.(*Literal))
	case aIsProp && bIsProp:
		if numeric(ta) != numeric(tb) || !numeric(ta) && ta != tb {
			return &PropertyError{Property: pb.Name, Reason: fmt.Sprintf("compared with %q: %s against %s", pa.Name, tb, ta)}
		}
	default:
		// Two literals: PostgreSQL refuses 'a' < 1, so do we.
		if numeric(ta) != numeric(tb) || !numeric(ta) && ta != tb {
			return fmt.Errorf("cql2: cannot compare %s with %s", a, b)
		}
	}
	return nil
}

func numeric(t feature.FieldType) bool { return t == feature.Int || t == feature.Float }

// convert makes literal l comparable with property p of type t.
func convert(p *Property, t feature.FieldType, l *Literal) error {
	bad := func() error {
		return &PropertyError{Property: p.Name, Reason: fmt.Sprintf("is %s, compared with %s", t, l)}
	}
	switch t {
	case feature.Int:
		switch v := l.Value.(type) {
		case int64:
		case float64:
			// An integral float looks up as the int64 the index stores.
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				l.Value = int64(v)
			}
		default:
			return bad()
		}
	case feature.Float:
		switch v := l.Value.(type) {
		case int64:
			l.Value = float64(v)
		case float64:
		default:
			return bad()
		}
	case feature.Bool:
		if _, ok := l.Value.(bool); !ok {
			return bad()
		}
	case feature.Date:
		// Dates stay Date literals (DATE '...' in SQL, where a date
		// column does not compare with text); a string must be a date.
		switch v := l.Value.(type) {
		case Date:
		case string:
			d, err := parseDate(v)
			if err != nil {
				return &PropertyError{Property: p.Name, Reason: "is a date: " + err.Error()}
			}
			l.Value = d
		default:
			return bad()
		}
	case feature.String:
		if _, ok := l.Value.(string); !ok {
			return bad()
		}
	}
	return nil
}
