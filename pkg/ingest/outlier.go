package ingest

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// VietnamBound is a generous WGS 84 box around Vietnam and its islands:
// longitude 101.5°E (west of Điện Biên, 102.1°E) to 118°E (east of the
// Trường Sa / Spratly Islands, about 117.8°E), latitude 6°N (south of the
// Spratlys and Côn Đảo, about 6.5°N) to 24°N (north of Hà Giang, 23.4°N).
// It also covers parts of Laos, Cambodia and the sea: it catches a wrong
// CRS or a stray vertex (at (0, 0), or metres read as degrees), not a
// feature a few kilometres over the border.
func VietnamBound() orb.Bound {
	return orb.Bound{Min: orb.Point{101.5, 6}, Max: orb.Point{118, 24}}
}

// Outlier detection parameters (see OutlierDetector).
const (
	// minForSpread is the fewest features with geometry for "far from
	// the rest of the layer" to mean anything.
	minForSpread = 5
	// spreadMADs is how many (normal-consistent) median absolute
	// deviations past the median reach counts as far.
	spreadMADs = 10
	// spreadMedians: and at least this many times the median reach.
	spreadMedians = 3
	// minFarKm: and at least this far from the layer's centre, so that a
	// tight cluster of parcels does not make its own edge an outlier.
	minFarKm = 25
)

// CRSHint is what an outlier report suggests: most outliers in Son La
// data are VN-2000 coordinates read in the wrong CRS.
const CRSHint = "check the layer's CRS (a missing .prj, or one for the wrong zone, is the usual cause): Son La data is usually VN-2000 / TM-3 104-00, --src-crs EPSG:9206 (crs=EPSG:9206 on an upload)"

// Outlier is one feature that lies outside Vietnam or far from the rest of
// its layer, in WGS 84.
type Outlier struct {
	Row    int64     `json:"record"` // 1-based record number in the source
	Center orb.Point `json:"center"` // centre of the feature's bounds
	Bound  orb.Bound `json:"-"`
	Reason string    `json:"reason"`
	// Outside is true when the feature is not inside VietnamBound (rather
	// than far from the rest of its layer).
	Outside bool `json:"outside"`
}

// OutlierReport lists the outliers of one layer.
type OutlierReport struct {
	File  string    `json:"file"`
	Total int       `json:"total"` // outliers found; Rows may hold fewer
	Rows  []Outlier `json:"rows"`
	// Whole is true when every feature of the layer is an outlier: the
	// CRS is wrong rather than a few features.
	Whole bool   `json:"whole_layer"`
	Hint  string `json:"hint,omitempty"`
}

// Err returns nil when there are no outliers, else an error naming the
// file, the first outlier's record and the count, with the hint: what
// `build` returns when outliers are refused.
func (r OutlierReport) Err() error {
	if r.Total == 0 {
		return nil
	}
	first := r.Rows[0]
	reason := fmt.Sprintf("%d outliers", r.Total)
	if r.Whole {
		reason = "every feature is outside Vietnam or far from the others"
	}
	return feature.Errorf(r.File, first.Row, "%s (this one: %s); %s", reason, first.Reason, r.Hint)
}

// OutlierDetector finds the outliers of one layer from its reprojected
// features, fed in one pass as they are read (Add), so that inspect and
// build can use it while streaming. It keeps 40 bytes per feature with a
// geometry (its record number and bounds): a million parcels cost 40 MB.
//
// A feature is an outlier when its bounds are not inside VietnamBound, or
// when it reaches far from the rest of the layer: its reach is the
// distance from the layer's median centre (the per-axis median of feature
// centres) to the feature's farthest bound corner, and it is far when that
// exceeds the median reach by spreadMADs scaled median absolute
// deviations, spreadMedians times the median reach, and minFarKm. Medians
// are robust: one stray vertex or a handful of misplaced features do not
// move them, so they are what gets reported.
type OutlierDetector struct {
	file   string
	rows   []int64
	bounds []orb.Bound
}

// NewOutlierDetector starts a detector for the layer read from file.
func NewOutlierDetector(file string) *OutlierDetector {
	return &OutlierDetector{file: file}
}

// Add records a feature in WGS 84; features without geometry are ignored.
func (d *OutlierDetector) Add(f *feature.Feature) {
	if f == nil || f.Geometry == nil {
		return
	}
	d.rows = append(d.rows, f.Row)
	d.bounds = append(d.bounds, f.Geometry.Bound())
}

// Result returns the outliers in record order, at most max rows (all when
// max < 0) with the total count.
func (d *OutlierDetector) Result(max int) OutlierReport {
	rep := OutlierReport{File: d.file}
	vn := VietnamBound()
	n := len(d.bounds)
	inside := make([]bool, n)
	reasons := make(map[int]string)
	var cx, cy []float64
	for i, b := range d.bounds {
		inside[i] = vn.Contains(b.Min) && vn.Contains(b.Max)
		if !inside[i] {
			reasons[i] = fmt.Sprintf("outside Vietnam: bounds %.4f,%.4f .. %.4f,%.4f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])
			continue
		}
		c := b.Center()
		cx, cy = append(cx, c[0]), append(cy, c[1])
	}
	if len(cx) >= minForSpread {
		m := orb.Point{median(cx), median(cy)}
		reach := make([]float64, 0, len(cx))
		idx := make([]int, 0, len(cx))
		for i, b := range d.bounds {
			if inside[i] {
				reach = append(reach, farthestKm(m, b))
				idx = append(idx, i)
			}
		}
		med := median(append([]float64(nil), reach...))
		dev := make([]float64, len(reach))
		for i, r := range reach {
			dev[i] = math.Abs(r - med)
		}
		mad := 1.4826 * median(dev)
		limit := math.Max(med+spreadMADs*mad, math.Max(spreadMedians*med, minFarKm))
		for k, r := range reach {
			if r > limit {
				reasons[idx[k]] = fmt.Sprintf("far from the rest of the layer: reaches %.0f km from its centre %.4f,%.4f where most features stay within %.1f km", r, m[0], m[1], med)
			}
		}
	}
	rep.Total = len(reasons)
	rep.Whole = n > 0 && rep.Total == n
	if rep.Total == 0 {
		return rep
	}
	rep.Hint = CRSHint
	if !rep.Whole {
		rep.Hint = "a stray vertex or a feature in another CRS? " + CRSHint
	}
	keys := make([]int, 0, len(reasons))
	for i := range reasons {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	for _, i := range keys {
		if max >= 0 && len(rep.Rows) >= max {
			break
		}
		b := d.bounds[i]
		rep.Rows = append(rep.Rows, Outlier{Row: d.rows[i], Center: b.Center(), Bound: b, Reason: reasons[i], Outside: !inside[i]})
	}
	return rep
}

// String words the report in one line per outlier, for logs.
func (r OutlierReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d outliers", r.File, r.Total)
	for _, o := range r.Rows {
		fmt.Fprintf(&b, "\n  record %d: %s", o.Row, o.Reason)
	}
	if r.Hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", r.Hint)
	}
	return b.String()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// farthestKm is the great-circle distance from p to the farthest corner
// of b, in kilometres.
func farthestKm(p orb.Point, b orb.Bound) float64 {
	d := 0.0
	for _, c := range [4]orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		d = math.Max(d, haversineKm(p, c))
	}
	return d
}

func haversineKm(a, b orb.Point) float64 {
	const r = 6371.0088
	rad := math.Pi / 180
	dlat := (b[1] - a[1]) * rad
	dlon := (b[0] - a[0]) * rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// OutlierPolicy is what build does with outliers.
type OutlierPolicy string

// The policies: report lists them and tiles them (the default), refuse
// fails the build with OutlierReport.Err, keep says nothing.
const (
	OutliersReport OutlierPolicy = "report"
	OutliersRefuse OutlierPolicy = "refuse"
	OutliersKeep   OutlierPolicy = "keep"
)

// ParseOutlierPolicy reads a policy name as given to --outliers.
func ParseOutlierPolicy(s string) (OutlierPolicy, error) {
	switch p := OutlierPolicy(s); p {
	case OutliersReport, OutliersRefuse, OutliersKeep:
		return p, nil
	case "":
		return OutliersReport, nil
	}
	return "", fmt.Errorf("ingest: unknown outlier policy %q (want report, refuse or keep)", s)
}
