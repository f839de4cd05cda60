package cql2

import "github.com/paulmach/orb"

// Bound returns a box that every feature matching e intersects, for
// taking candidates from the R-tree before evaluating e exactly; ok is
// false when e does not restrict space (no S_INTERSECTS, or one under
// NOT or in only some branches of an OR), and the caller must scan.
// Under AND the smallest box of the arguments is used (any one is a
// necessary condition); under OR the union of all of them.
func Bound(e Expr) (orb.Bound, bool) {
	switch e := e.(type) {
	case *Intersects:
		if e.Geometry == nil {
			return orb.Bound{}, false
		}
		return e.Geometry.Bound(), true
	case *And:
		var best orb.Bound
		found := false
		for _, a := range e.Args {
			if b, ok := Bound(a); ok && (!found || area(b) < area(best)) {
				best, found = b, true
			}
		}
		return best, found
	case *Or:
		var u orb.Bound
		for i, a := range e.Args {
			b, ok := Bound(a)
			if !ok {
				return orb.Bound{}, false
			}
			if i == 0 {
				u = b
			} else {
				u = u.Union(b)
			}
		}
		return u, len(e.Args) > 0
	}
	return orb.Bound{}, false
}

func area(b orb.Bound) float64 { return (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) }
