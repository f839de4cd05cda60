package shapefile

import (
	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// arena hands out the small slices every record needs (its points, its
// polygon's ring list, its Feature) from larger chunks, so that reading a
// million parcels costs thousands of allocations instead of millions. A
// chunk stays alive while any feature cut from it does: at most one chunk
// (64 KiB of points) per feature a caller keeps, and nothing extra for
// plantile's index, which keeps every feature anyway.
type arena struct {
	points   []orb.Point
	rings    []orb.Ring
	features []feature.Feature
}

const (
	pointChunk   = 4096 // 64 KiB
	ringChunk    = 1024
	featureChunk = 256
)

// pointSlice returns a zeroed slice of n points whose capacity is n, so an
// append never runs into the next record's points. a may be nil.
func (a *arena) pointSlice(n int) []orb.Point {
	if a == nil || n > pointChunk/8 {
		return make([]orb.Point, n)
	}
	if len(a.points) < n {
		a.points = make([]orb.Point, pointChunk)
	}
	s := a.points[:n:n]
	a.points = a.points[n:]
	return s
}

func (a *arena) polygon(r orb.Ring) orb.Polygon {
	if a == nil {
		return orb.Polygon{r}
	}
	if len(a.rings) == 0 {
		a.rings = make([]orb.Ring, ringChunk)
	}
	p := orb.Polygon(a.rings[:1:1])
	a.rings = a.rings[1:]
	p[0] = r
	return p
}

func (a *arena) feature() *feature.Feature {
	if len(a.features) == 0 {
		a.features = make([]feature.Feature, featureChunk)
	}
	f := &a.features[0]
	a.features = a.features[1:]
	return f
}
