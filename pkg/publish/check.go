package publish

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/ingest"
)

// checkInput refuses, before anything is read, a named source CRS that
// cannot be understood and a source over MaxSourceBytes.
func (q Request) checkInput() error {
	if q.SrcCRS != "" {
		if _, err := crs.Parse(q.SrcCRS); err != nil {
			return refuse([]Reason{{Cause: fmt.Sprintf("the source CRS named (--src-crs, or an upload's crs), %q, is not understood (%v): name it as EPSG:9206, a PROJ string or WKT, or leave it out to use the .prj", clip(q.SrcCRS), err)}}, nil)
		}
	}
	if q.MaxSourceBytes <= 0 {
		return nil
	}
	for _, src := range q.Sources {
		n, err := sourceBytes(src)
		if err != nil {
			return fmt.Errorf("publish: %w", err)
		}
		if n > q.MaxSourceBytes {
			return refuse([]Reason{{File: src, Cause: fmt.Sprintf("the file holds %d bytes, over the upload size limit of %d bytes", n, q.MaxSourceBytes)}}, nil)
		}
	}
	return nil
}

// sourceBytes is the size of a file, or of the files in a folder (one
// level, as source.Open reads it).
func sourceBytes(src string) (int64, error) {
	st, err := os.Stat(src)
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return st.Size(), nil
	}
	es, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range es {
		if fi, err := os.Stat(filepath.Join(src, e.Name())); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n, nil
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// The kinds of geometry a layer may hold: one of them, each with its Multi
// form (a layer of Polygons and MultiPolygons is one layer of polygons).
const (
	kindPoint   = "point"
	kindLine    = "line"
	kindPolygon = "polygon"
)

// kindOf returns the kind of g, "" for a GeometryCollection (or any other
// type the index cannot store).
func kindOf(g orb.Geometry) string {
	switch g.(type) {
	case orb.Point, orb.MultiPoint:
		return kindPoint
	case orb.LineString, orb.MultiLineString:
		return kindLine
	case orb.Polygon, orb.MultiPolygon, orb.Ring, orb.Bound:
		return kindPolygon
	}
	return ""
}

// contents counts what a layer's features hold as they are read, for the
// refusals of mixed kinds, collections and empty layers.
type contents struct {
	read, bad, null int64
	geoms           int64 // features indexed with a geometry
	firstBad        error
	badReasons      []Reason           // the first MaxReasons bad records
	rows            map[string][]int64 // record numbers by kind
	first           map[string]int64   // the first record of each kind
	collections     []int64
}

func (c *contents) badRecord(file string, row int64, err error) {
	if c.bad == 0 {
		c.firstBad = err
	}
	c.bad++
	if len(c.badReasons) < MaxReasons {
		c.badReasons = append(c.badReasons, Reason{File: file, Feature: row, Cause: "kept without its geometry: " + causeOf(err)})
	}
}

// add records a feature's geometry; false for a GeometryCollection.
func (c *contents) add(row int64, g orb.Geometry) bool {
	k := kindOf(g)
	if k == "" {
		c.collections = append(c.collections, row)
		return false
	}
	if c.rows == nil {
		c.rows, c.first = map[string][]int64{}, map[string]int64{}
	}
	if _, ok := c.first[k]; !ok {
		c.first[k] = row
	}
	c.rows[k] = append(c.rows[k], row)
	return true
}

// refusals lists the features that break the one-kind rule: every
// GeometryCollection, and when kinds are mixed, every feature not of the
// layer's kind (the kind most features have; on a tie, the first one's).
func (c *contents) refusals(file string) []Reason {
	var rs []Reason
	for _, row := range c.collections {
		rs = append(rs, Reason{File: file, Feature: row, Cause: "a GeometryCollection: a layer holds points, lines or polygons; split it into features of one geometry type"})
	}
	if len(c.rows) > 1 {
		kinds := make([]string, 0, len(c.rows))
		for k := range c.rows {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool {
			a, b := kinds[i], kinds[j]
			if len(c.rows[a]) != len(c.rows[b]) {
				return len(c.rows[a]) > len(c.rows[b])
			}
			return c.first[a] < c.first[b]
		})
		main := kinds[0]
		counts := ""
		for i, k := range kinds {
			if i > 0 {
				counts += ", "
			}
			counts += plural(len(c.rows[k]), k)
		}
		for _, k := range kinds[1:] {
			for _, row := range c.rows[k] {
				rs = append(rs, Reason{File: file, Feature: row, Cause: fmt.Sprintf(
					"a %s in a layer of %ss (%s): a layer holds one kind of geometry, points, lines or polygons (with their Multi forms); send the %ss as a layer of their own",
					k, main, counts, k)})
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Feature < rs[j].Feature })
	return rs
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// empty refuses a layer with no feature holding a geometry: nothing to
// tile and nothing to find on the map. The reason says where the features
// went.
func (c *contents) empty(file string, l *Layer) error {
	if c.geoms > 0 {
		return nil
	}
	var cause string
	switch {
	case c.read == 0:
		cause = "the layer is empty: it has no features"
	case len(l.Dropped) > 0 && int64(len(l.Dropped)) == c.read-c.null:
		cause = fmt.Sprintf("every feature with a geometry was left out: %s dropped as self-intersecting (invalid-geometry policy drop)", plural(len(l.Dropped), "polygon"))
	default:
		cause = fmt.Sprintf("no feature has a geometry: %s read", plural(int(c.read), "feature"))
		if c.bad > 0 {
			cause += fmt.Sprintf(", %d with a geometry that could not be read (the first: %v)", c.bad, c.firstBad)
		}
		if n := c.null - c.bad; n > 0 {
			cause += fmt.Sprintf(", %d with none", n)
		}
	}
	rs := append([]Reason{{File: file, Cause: cause}}, l.Dropped...)
	return refuse(rs, nil)
}

// refuseOutliers refuses the layer's outliers as the request says: every
// one with ingest.OutliersRefuse, those outside Vietnam with
// RefuseOutside. Each reason carries the CRS hint: a feature outside
// Vietnam is almost always a feature read in the wrong CRS.
func refuseOutliers(l *Layer, q Request) error {
	rep := l.Outliers
	if rep.Total == 0 {
		return nil
	}
	var rs []Reason
	for _, o := range rep.Rows {
		if q.Outliers != ingest.OutliersRefuse && !(q.RefuseOutside && o.Outside) {
			continue
		}
		cause := o.Reason
		if o.Outside {
			cause += " after reprojection: almost always a wrong CRS"
		}
		rs = append(rs, Reason{File: rep.File, Feature: o.Row, Cause: cause + "; " + ingest.CRSHint})
	}
	if len(rs) == 0 {
		return nil
	}
	first := rs[0].String()
	if rep.Whole {
		first = "every feature is outside Vietnam or far from the others, so the layer's CRS is wrong; " + first
	} else if len(rs) > 1 {
		first = fmt.Sprintf("%d features outside Vietnam or far from the others; %s", len(rs), first)
	}
	return refuse(rs, fmt.Errorf("%s", first))
}
