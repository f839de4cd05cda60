package ogcapi

import (
	"github.com/paulmach/orb"
)

// IndexLayer is what IndexRecord needs of a pkg/index layer (declared
// here, where it is used, so that ogcapi does not depend on the index's
// other methods).
type IndexLayer interface {
	// Value returns the dictionary code and the value of field f of
	// feature i; code 0 means null.
	Value(i, f int) (code uint32, v any)
	// Geometry returns feature i's geometry in CRS84.
	Geometry(i int) orb.Geometry
	// FeatureBound returns feature i's bounding box in CRS84.
	FeatureBound(i int) orb.Bound
}

// IndexRecord presents feature I of Layer to the cql2 evaluator (it is a
// cql2.CodedRecord and a cql2.Bounder). Reuse one and move I along the
// candidates: passing a pointer to a compiled predicate allocates
// nothing.
type IndexRecord struct {
	Layer IndexLayer
	I     int
}

// Value returns the value of field f.
func (r *IndexRecord) Value(f int) any {
	_, v := r.Layer.Value(r.I, f)
	return v
}

// Code returns the dictionary code of field f.
func (r *IndexRecord) Code(f int) uint32 {
	c, _ := r.Layer.Value(r.I, f)
	return c
}

// Geometry returns the feature's geometry.
func (r *IndexRecord) Geometry() orb.Geometry { return r.Layer.Geometry(r.I) }

// Bound returns the feature's bounding box.
func (r *IndexRecord) Bound() orb.Bound { return r.Layer.FeatureBound(r.I) }
