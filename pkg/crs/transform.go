package crs

import (
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-proj/v11"

	"github.com/sonla-gis/plantile/pkg/geom"
)

// Transformer moves coordinates between a CRS and WGS 84
// longitude/latitude with PROJ. Coordinates are always x,y: longitude
// before latitude, easting before northing, whatever axis order the CRS
// declares (PROJ's normalize-for-visualization).
//
// A Transformer owns a PROJ context and is not safe for concurrent use:
// PROJ contexts are single-threaded. Make one per goroutine, with
// NewTransformer or Clone; transformers of different goroutines run in
// parallel.
type Transformer struct {
	src, dst *CRS
	pj       *proj.PJ // nil when no transformation is needed
	desc     string
	ballpark bool
	buf      []float64
}

const ballparkNote = " (ballpark: datum shift unknown, may be off by hundreds of metres)"

// NewTransformer returns a Transformer from src to WGS 84 longitude/latitude.
func NewTransformer(src *CRS) (*Transformer, error) {
	return newTransformer(src, WGS84())
}

// NewTransformerTo returns a Transformer from WGS 84 longitude/latitude to
// dst, e.g. to serve features in VN-2000 / TM-3.
func NewTransformerTo(dst *CRS) (*Transformer, error) {
	return newTransformer(WGS84(), dst)
}

func newTransformer(src, dst *CRS) (*Transformer, error) {
	if src == nil || dst == nil {
		return nil, fmt.Errorf("crs: nil CRS")
	}
	t := &Transformer{src: src, dst: dst}
	if src.IsWGS84() && dst.IsWGS84() {
		t.desc = "none (WGS 84)"
		return t, nil
	}
	ctx := proj.NewContext()
	pj, err := ctx.NewCRSToCRS(src.Proj, dst.Proj, nil)
	if err != nil {
		return nil, fmt.Errorf("crs: no transformation from %s to %s: %w", src, dst, err)
	}
	info := pj.Info()
	t.desc = info.Description
	if strings.HasPrefix(t.desc, "unavailable until") {
		// proj_create_crs_to_crs kept several candidates and chooses
		// one per point from its area of use.
		t.desc = "PROJ picks per point among several operations by area of use"
	}
	if info.Accuracy > 0 {
		t.desc += fmt.Sprintf(", %g m", info.Accuracy)
	}
	if pj.HasBallparkTransformation() {
		t.desc += ballparkNote
		t.ballpark = true
	}
	// PROJ describes a +towgs84 CRS as "unknown": name EPSG:6960 instead.
	switch {
	case src.VN2000 && dst.IsWGS84():
		t.desc = src.Transformation
	case dst.VN2000 && src.IsWGS84():
		t.desc = "inverse of " + dst.Transformation
	}
	if t.pj, err = pj.NormalizeForVisualization(); err != nil {
		return nil, fmt.Errorf("crs: normalize axis order from %s to %s: %w", src, dst, err)
	}
	return t, nil
}

// Clone returns a new Transformer doing the same transformation, for
// another goroutine.
func (t *Transformer) Clone() (*Transformer, error) { return newTransformer(t.src, t.dst) }

// Description says which operation is used, for the import report:
// CRS.Transformation for VN-2000, else PROJ's description of the operation.
func (t *Transformer) Description() string { return t.desc }

// Point transforms one point.
func (t *Transformer) Point(p orb.Point) (orb.Point, error) {
	pts := [1]orb.Point{p}
	err := t.Points(pts[:])
	return pts[0], err
}

// Points transforms pts in place in one PROJ call. On error pts are left
// unchanged.
func (t *Transformer) Points(pts []orb.Point) error {
	t.buf = t.buf[:0]
	for _, p := range pts {
		t.buf = append(t.buf, p[0], p[1])
	}
	if err := t.run(pts); err != nil {
		return err
	}
	for i := range pts {
		pts[i] = orb.Point{t.buf[2*i], t.buf[2*i+1]}
	}
	return nil
}

// Geometry transforms g in place and returns it: an orb.Point is a value,
// so use the returned geometry; for every other type the returned
// geometry shares g's coordinates. All coordinates go to PROJ in one call.
// On error g is left unchanged.
func (t *Transformer) Geometry(g orb.Geometry) (orb.Geometry, error) {
	gs := [1]orb.Geometry{g}
	err := t.Geometries(gs[:])
	return gs[0], err
}

// Geometries transforms a batch of geometries in place (replacing
// orb.Point elements) with one PROJ call for all of them, which matters
// for layers of many small features. On error gs are left unchanged.
func (t *Transformer) Geometries(gs []orb.Geometry) error {
	t.buf = t.buf[:0]
	for _, g := range gs {
		t.buf = geom.AppendCoords(t.buf, g)
	}
	if err := t.run(nil); err != nil {
		return err
	}
	rest := t.buf
	for i, g := range gs {
		gs[i], rest = scatter(g, rest)
	}
	return nil
}

// run transforms t.buf; pts, when given, are the original points for the
// error message.
func (t *Transformer) run(orig []orb.Point) error {
	if t.pj != nil && len(t.buf) > 0 {
		if err := t.pj.TransFlatCoords(proj.DirectionFwd, t.buf, 2, -1, -1); err != nil {
			return fmt.Errorf("crs: transform from %s to %s: %w", t.src, t.dst, err)
		}
	}
	for i := 0; i < len(t.buf); i += 2 {
		x, y := t.buf[i], t.buf[i+1]
		if math.IsInf(x, 0) || math.IsNaN(x) || math.IsInf(y, 0) || math.IsNaN(y) {
			where := ""
			if orig != nil {
				where = fmt.Sprintf(" (%g, %g)", orig[i/2][0], orig[i/2][1])
			}
			return fmt.Errorf("crs: point %d%s cannot be transformed from %s to %s", i/2+1, where, t.src, t.dst)
		}
	}
	return nil
}

// scatter writes the transformed coordinates back into g in geom.AppendCoords's order
// and returns the rest of buf.
func scatter(g orb.Geometry, buf []float64) (orb.Geometry, []float64) {
	switch g := g.(type) {
	case orb.Point:
		return orb.Point{buf[0], buf[1]}, buf[2:]
	case orb.MultiPoint:
		return g, scatterPoints(g, buf)
	case orb.LineString:
		return g, scatterPoints(g, buf)
	case orb.Ring:
		return g, scatterPoints(g, buf)
	case orb.MultiLineString:
		for _, l := range g {
			buf = scatterPoints(l, buf)
		}
	case orb.Polygon:
		for _, r := range g {
			buf = scatterPoints(r, buf)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				buf = scatterPoints(r, buf)
			}
		}
	case orb.Collection:
		for i, c := range g {
			g[i], buf = scatter(c, buf)
		}
	}
	return g, buf
}

func scatterPoints(pts []orb.Point, buf []float64) []float64 {
	for i := range pts {
		pts[i] = orb.Point{buf[2*i], buf[2*i+1]}
	}
	return buf[2*len(pts):]
}
