package cql2

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ToSQL writes e as a PostgreSQL/PostGIS WHERE clause over a table whose
// columns are named as the properties and whose geometry column is
// geomColumn (SRID 4326): the reference the tests compare the evaluator
// with. Identifiers are double-quoted, strings single-quoted with quotes
// doubled (standard_conforming_strings, PostgreSQL's default), string
// ordering uses COLLATE "C" to match the evaluator's byte order, and
// S_INTERSECTS becomes ST_Intersects with ST_MakeEnvelope or
// ST_GeomFromText. SQL's three-valued logic is the evaluator's, so both
// keep the same rows.
func ToSQL(e Expr, geomColumn string) (string, error) {
	var b strings.Builder
	if err := writeSQL(&b, e, geomColumn); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeSQL(b *strings.Builder, e Expr, geom string) error {
	switch e := e.(type) {
	case *And, *Or:
		args, sep := []Expr(nil), ""
		if a, ok := e.(*And); ok {
			args, sep = a.Args, " AND "
		} else {
			args, sep = e.(*Or).Args, " OR "
		}
		for i, a := range args {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString("(")
			if err := writeSQL(b, a, geom); err != nil {
				return err
			}
			b.WriteString(")")
		}
	case *Not:
		b.WriteString("NOT (")
		if err := writeSQL(b, e.Arg, geom); err != nil {
			return err
		}
		b.WriteString(")")
	case *Bool:
		b.WriteString(e.String())
	case *Compare:
		b.WriteString(sqlOperand(e.Left) + " " + e.Op.String() + " " + sqlOperand(e.Right) + collate(e.Op != Eq && e.Op != Ne, e.Left, e.Right))
	case *Like:
		b.WriteString(sqlOperand(e.Arg) + not(e.Not) + " LIKE " + quote(e.Pattern) + ` COLLATE "C"`)
	case *In:
		b.WriteString(sqlOperand(e.Arg) + not(e.Not) + " IN (")
		for i, l := range e.List {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlOperand(l))
		}
		b.WriteString(")")
	case *Between:
		b.WriteString(sqlOperand(e.Arg) + collate(true, e.Arg, e.Low, e.High) + not(e.Not) + " BETWEEN " + sqlOperand(e.Low) + " AND " + sqlOperand(e.High))
	case *IsNull:
		b.WriteString(e.String())
	case *Intersects:
		g, err := sqlGeometry(e.Geometry)
		if err != nil {
			return err
		}
		b.WriteString("ST_Intersects(" + quoteIdent(geom) + ", " + g + ")")
	default:
		return fmt.Errorf("cql2: no SQL for %T", e)
	}
	return nil
}

// collate returns ` COLLATE "C"` for an ordering over strings.
func collate(ordering bool, ops ...Operand) string {
	if !ordering {
		return ""
	}
	for _, o := range ops {
		if l, ok := o.(*Literal); ok {
			if _, s := l.Value.(string); s {
				return ` COLLATE "C"`
			}
		}
	}
	return ""
}

func sqlOperand(o Operand) string {
	switch o := o.(type) {
	case *Property:
		return quoteIdent(o.Name)
	case *Literal:
		switch v := o.Value.(type) {
		case float64:
			return strconv.FormatFloat(v, 'g', -1, 64)
		case Date:
			return "DATE " + quote(string(v))
		case Timestamp:
			return "TIMESTAMPTZ " + quote(string(v))
		}
		return o.String()
	}
	return "NULL"
}

func sqlGeometry(g orb.Geometry) (string, error) {
	if b, ok := g.(orb.Bound); ok {
		return fmt.Sprintf("ST_MakeEnvelope(%s, %s, %s, %s, 4326)", coord(b.Min[0]), coord(b.Min[1]), coord(b.Max[0]), coord(b.Max[1])), nil
	}
	if g == nil {
		return "", fmt.Errorf("cql2: S_INTERSECTS without a geometry")
	}
	return "ST_GeomFromText(" + quote(WKT(g)) + ", 4326)", nil
}
