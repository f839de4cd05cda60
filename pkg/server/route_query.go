package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// Routes of "what is planned here?".
const (
	RouteQueryPoint = "/query/point"
	RouteQueryBBox  = "/query/bbox"
)

// Limits of the query routes (README, "What is planned here?").
const (
	// DefaultToleranceM is the tolerance for lines and points when the
	// request gives none.
	DefaultToleranceM = 3.0
	// MaxToleranceM bounds tolerance (and tolerance_px converted).
	MaxToleranceM = 1000.0
	// MaxTolerancePx bounds tolerance_px.
	MaxTolerancePx = 256.0
	// DefaultQueryLimit and MaxQueryLimit bound the features of one answer.
	DefaultQueryLimit = 100
	MaxQueryLimit     = 1000
	// MaxBBoxDegrees bounds each side of a bbox query.
	MaxBBoxDegrees = 5.0
)

// MediaTypeGeoJSON is the media type of GeoJSON.
const MediaTypeGeoJSON = "application/geo+json"

// queryState is the Server's state for the query routes: the layer titles
// and legends read from the styles, and PROJ transformers for input points
// in other CRSs (a Transformer is for one goroutine at a time).
type queryState struct {
	styles styleIndex
	mu     sync.Mutex
	pools  map[int]*sync.Pool // by EPSG code; only codes accepted by parseCRS
}

// queryCRS is an accepted input CRS.
type queryCRS struct {
	name  string // as echoed back
	epsg  int    // 4326 for CRS84 and EPSG:4326
	c     *crs.CRS
	lonLa bool // WGS 84: the point is already lon/lat
}

// parseCRS reads the crs parameter: CRS84 or EPSG:4326 (the point is named
// lon= and lat=, so the axis order of EPSG:4326 does not matter), EPSG:3857,
// or VN-2000 (EPSG:4756 and its projected zones, such as EPSG:9206 for Son
// La), as a code, a URN or an OGC URI.
func parseCRS(v string) (queryCRS, error) {
	if v == "" {
		return queryCRS{name: "CRS84", epsg: 4326, lonLa: true}, nil
	}
	bad := errorf(KindInvalid, "crs: %q is not a supported CRS (CRS84, EPSG:4326, EPSG:3857, VN-2000 such as EPSG:9206)", clip(v))
	if len(v) > 100 || strings.ContainsAny(v, "[(+") {
		return queryCRS{}, bad
	}
	c, err := crs.FromGeoJSONName(v)
	if err != nil {
		return queryCRS{}, bad
	}
	switch {
	case c.IsWGS84():
		return queryCRS{name: v, epsg: 4326, lonLa: true}, nil
	case c.VN2000 && c.EPSG != 0, c.EPSG == 3857:
		return queryCRS{name: v, epsg: c.EPSG, c: c}, nil
	}
	return queryCRS{}, bad
}

// toLonLat converts a point of the request's CRS to lon/lat.
func (s *Server) toLonLat(q queryCRS, p orb.Point) (orb.Point, error) {
	if q.lonLa {
		return p, nil
	}
	s.query.mu.Lock()
	if s.query.pools == nil {
		s.query.pools = map[int]*sync.Pool{}
	}
	pool := s.query.pools[q.epsg]
	if pool == nil {
		c := q.c
		pool = &sync.Pool{New: func() any {
			t, err := crs.NewTransformer(c)
			if err != nil {
				return err
			}
			return t
		}}
		s.query.pools[q.epsg] = pool
	}
	s.query.mu.Unlock()
	switch t := pool.Get().(type) {
	case *crs.Transformer:
		defer pool.Put(t)
		out, err := t.Point(p)
		if err != nil {
			return p, errorf(KindInvalid, "crs: the point cannot be transformed from %s", q.name)
		}
		return out, nil
	case error:
		return p, fmt.Errorf("server: transformer for %s: %w", q.name, t)
	}
	return p, fmt.Errorf("server: transformer pool for %s", q.name)
}

// number reads a finite float parameter; ok is false when it is absent.
func number(q url.Values, name string) (v float64, ok bool, err error) {
	s := q.Get(name)
	if s == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseFloat(s, 64)
	if perr != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false, errorf(KindInvalid, "%s: %q is not a number", name, clip(s))
	}
	return v, true, nil
}

// queryTarget is one layer a query looks in.
type queryTarget struct {
	ts *Tileset
	l  *index.Layer
	k  int // the layer's position in ts.Layers()
}

// targets returns the layers named by layers= (all when empty) of the
// tileset named by tileset= (all when empty), in tileset then build order.
func (s *Server) targets(q url.Values) ([]queryTarget, error) {
	var names []string
	if v := q.Get("layers"); v != "" {
		names = strings.Split(v, ",")
		if len(names) > 100 {
			return nil, errorf(KindInvalid, "layers: more than 100 names")
		}
	}
	tsName := q.Get("tileset")
	if tsName != "" {
		if _, ok := s.reg.Get(tsName); !ok {
			return nil, errorf(KindInvalid, "tileset: no tileset %q", clip(tsName))
		}
	}
	var out []queryTarget
	seen := map[string]bool{}
	for _, ts := range s.reg.List() {
		if tsName != "" && ts.Name != tsName {
			continue
		}
		for k, l := range ts.Layers() {
			name := l.Info().Name
			if names != nil && !slices.Contains(names, name) {
				continue
			}
			seen[name] = true
			out = append(out, queryTarget{ts: ts, l: l, k: k})
		}
	}
	for _, n := range names {
		if !seen[n] {
			return nil, errorf(KindInvalid, "layers: no layer %q with features", clip(n))
		}
	}
	return out, nil
}

// limit reads limit= (default DefaultQueryLimit, at most MaxQueryLimit).
func limit(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return DefaultQueryLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxQueryLimit {
		return 0, errorf(KindInvalid, "limit: %q is not a whole number from 1 to %d", clip(s), MaxQueryLimit)
	}
	return n, nil
}

// point reads the point: lon= and lat= (or x= and y=, easting and northing
// in a projected crs), converted to lon/lat.
func (s *Server) point(q url.Values, c queryCRS) (orb.Point, error) {
	xn, yn := "lon", "lat"
	if q.Get("lon") == "" && q.Get("lat") == "" && (q.Get("x") != "" || q.Get("y") != "") {
		xn, yn = "x", "y"
	}
	x, okx, err := number(q, xn)
	if err != nil {
		return orb.Point{}, err
	}
	y, oky, err := number(q, yn)
	if err != nil {
		return orb.Point{}, err
	}
	if !okx {
		return orb.Point{}, errorf(KindInvalid, "%s: missing", xn)
	}
	if !oky {
		return orb.Point{}, errorf(KindInvalid, "%s: missing", yn)
	}
	p, err := s.toLonLat(c, orb.Point{x, y})
	if err != nil {
		return p, err
	}
	if !(math.Abs(p[0]) <= 180) {
		return p, errorf(KindInvalid, "%s: %g is not a longitude from -180 to 180", xn, x)
	}
	if !(math.Abs(p[1]) <= 90) {
		return p, errorf(KindInvalid, "%s: %g is not a latitude from -90 to 90", yn, y)
	}
	return p, nil
}

// tolerance reads tolerance= (metres) or tolerance_px= with zoom= (pixels
// of a 256-pixel tile at that zoom, converted to metres at lat).
func tolerance(q url.Values, lat float64) (float64, error) {
	m, okm, err := number(q, "tolerance")
	if err != nil {
		return 0, err
	}
	px, okp, err := number(q, "tolerance_px")
	if err != nil {
		return 0, err
	}
	switch {
	case okm && okp:
		return 0, errorf(KindInvalid, "tolerance_px: give tolerance (metres) or tolerance_px, not both")
	case okm:
		if m < 0 || m > MaxToleranceM {
			return 0, errorf(KindInvalid, "tolerance: %g is not from 0 to %g metres", m, MaxToleranceM)
		}
		return m, nil
	case okp:
		if px < 0 || px > MaxTolerancePx {
			return 0, errorf(KindInvalid, "tolerance_px: %g is not from 0 to %g", px, MaxTolerancePx)
		}
		z, okz, err := number(q, "zoom")
		if err != nil {
			return 0, err
		}
		if !okz {
			return 0, errorf(KindInvalid, "zoom: missing (tolerance_px needs the zoom of the map)")
		}
		if z < 0 || z > 24 {
			return 0, errorf(KindInvalid, "zoom: %g is not from 0 to 24", z)
		}
		// Web Mercator ground resolution of a 256-pixel tile.
		perPx := index.MetresPerPixel(lat, z, 256)
		return min(px*perPx, MaxToleranceM), nil
	}
	if _, okz := q["zoom"]; okz {
		if _, _, err := number(q, "zoom"); err != nil {
			return 0, err
		}
	}
	return DefaultToleranceM, nil
}

// checkParams refuses parameters the route does not know, so that a typo
// (lng=) is a 400 that names it rather than a silently ignored filter.
func checkParams(q url.Values, known ...string) error {
	for k := range q {
		if !slices.Contains(known, k) {
			return errorf(KindInvalid, "%s: unknown parameter (known: %s)", clip(k), strings.Join(known, ", "))
		}
	}
	return nil
}

// handleQueryPoint answers GET /query/point: every feature of every layer
// (or of layers=) at the point, as a GeoJSON FeatureCollection.
func (s *Server) handleQueryPoint(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "lon", "lat", "x", "y", "crs", "layers", "tileset", "tolerance", "tolerance_px", "zoom", "limit"); err != nil {
		return err
	}
	c, err := parseCRS(q.Get("crs"))
	if err != nil {
		return err
	}
	p, err := s.point(q, c)
	if err != nil {
		return err
	}
	tol, err := tolerance(q, p[1])
	if err != nil {
		return err
	}
	lim, err := limit(q)
	if err != nil {
		return err
	}
	targets, err := s.targets(q)
	if err != nil {
		return err
	}
	if s.queryNotModified(w, r, targets) {
		return nil
	}
	res := queryResult{limit: lim}
	for _, t := range targets {
		var hits []int
		t.l.At(p, tol, func(i int) bool { hits = append(hits, i); return true })
		res.add(t, hits)
	}
	meta := fmt.Sprintf(`"query":{"lon":%s,"lat":%s,"crs":%q,"tolerance_m":%s}`,
		fmtFloat(p[0]), fmtFloat(p[1]), c.name, fmtFloat(tol))
	return s.writeResult(w, r, &res, meta)
}

// handleQueryBBox answers GET /query/bbox: the features of every layer (or
// of layers=) that intersect bbox=west,south,east,north, in layer then
// index order, at most limit= of them.
func (s *Server) handleQueryBBox(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if err := checkParams(q, "bbox", "crs", "layers", "tileset", "limit"); err != nil {
		return err
	}
	c, err := parseCRS(q.Get("crs"))
	if err != nil {
		return err
	}
	b, err := s.bbox(q.Get("bbox"), c)
	if err != nil {
		return err
	}
	lim, err := limit(q)
	if err != nil {
		return err
	}
	targets, err := s.targets(q)
	if err != nil {
		return err
	}
	if s.queryNotModified(w, r, targets) {
		return nil
	}
	res := queryResult{limit: lim}
	for _, t := range targets {
		var hits []int
		t.l.Intersecting(b, func(i int) bool { hits = append(hits, i); return true })
		res.add(t, hits)
	}
	meta := fmt.Sprintf(`"query":{"bbox":[%s,%s,%s,%s],"crs":%q}`,
		fmtFloat(b.Min[0]), fmtFloat(b.Min[1]), fmtFloat(b.Max[0]), fmtFloat(b.Max[1]), c.name)
	return s.writeResult(w, r, &res, meta)
}

// bbox reads west,south,east,north in the request's CRS and returns its
// lon/lat envelope.
func (s *Server) bbox(v string, c queryCRS) (orb.Bound, error) {
	if v == "" {
		return orb.Bound{}, errorf(KindInvalid, "bbox: missing (west,south,east,north)")
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 {
		return orb.Bound{}, errorf(KindInvalid, "bbox: want 4 numbers west,south,east,north, got %d", len(parts))
	}
	var n [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, errorf(KindInvalid, "bbox: %q is not a number", clip(p))
		}
		n[i] = f
	}
	if n[0] > n[2] || n[1] > n[3] {
		return orb.Bound{}, errorf(KindInvalid, "bbox: west must not exceed east, nor south north")
	}
	var b orb.Bound
	for k, corner := range []orb.Point{{n[0], n[1]}, {n[2], n[1]}, {n[2], n[3]}, {n[0], n[3]}} {
		p, err := s.toLonLat(c, corner)
		if err != nil {
			return b, err
		}
		if k == 0 {
			b = orb.Bound{Min: p, Max: p}
		} else {
			b = b.Extend(p)
		}
	}
	if !(b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90) {
		return b, errorf(KindInvalid, "bbox: not within longitudes -180..180 and latitudes -90..90")
	}
	if b.Max[0]-b.Min[0] > MaxBBoxDegrees || b.Max[1]-b.Min[1] > MaxBBoxDegrees {
		return b, errorf(KindInvalid, "bbox: sides of at most %g degrees", MaxBBoxDegrees)
	}
	return b, nil
}

// queryResult collects the features of an answer, layer by layer.
type queryResult struct {
	limit   int
	matched int
	layers  []queryLayer
}

type queryLayer struct {
	t    queryTarget
	hits []int // feature numbers, sorted, at most what fits the limit
	n    int   // matched
}

func (r *queryResult) add(t queryTarget, hits []int) {
	slices.Sort(hits)
	r.matched += len(hits)
	room := r.limit
	for _, l := range r.layers {
		room -= len(l.hits)
	}
	r.layers = append(r.layers, queryLayer{t: t, hits: hits[:min(len(hits), max(room, 0))], n: len(hits)})
}

// writeResult writes the FeatureCollection: each feature has its id, exact
// geometry and properties in schema order, and as foreign members its
// tileset, layer, layer title, version and legend entry; "layers" lists
// every layer looked in with its fields (the schema) and match count.
func (s *Server) writeResult(w http.ResponseWriter, r *http.Request, res *queryResult, meta string) error {
	bp := s.getBody()
	defer s.putBody(bp)
	b := append((*bp)[:0], `{"type":"FeatureCollection",`...)
	b = append(b, meta...)
	returned := 0
	b = append(b, `,"layers":[`...)
	for k, ql := range res.layers {
		if k > 0 {
			b = append(b, ',')
		}
		st := s.query.styles.get(s.styles, ql.t.ts.Name, ql.t.l.Info().Name)
		b = append(b, `{"tileset":`...)
		b = appendJSON(b, ql.t.ts.Name)
		b = append(b, `,"layer":`...)
		b = appendJSON(b, ql.t.l.Info().Name)
		if st != nil && st.title != nil {
			b = append(b, `,"title":`...)
			b = append(b, st.titleJSON...)
		}
		if st != nil && st.field != "" {
			b = append(b, `,"legend_field":`...)
			b = appendJSON(b, st.field)
		}
		b = append(b, `,"version":`...)
		b = appendJSON(b, ql.t.ts.Version())
		b = append(b, `,"id_kind":`...)
		b = appendJSON(b, ql.t.l.IDKind().String())
		b = append(b, `,"fields":`...)
		b = append(b, ql.t.ts.fieldsJSON[ql.t.k]...)
		b = append(b, `,"matched":`...)
		b = strconv.AppendInt(b, int64(ql.n), 10)
		b = append(b, '}')
		returned += len(ql.hits)
	}
	b = append(b, `],"numberMatched":`...)
	b = strconv.AppendInt(b, int64(res.matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(returned), 10)
	b = append(b, `,"features":[`...)
	first := true
	for _, ql := range res.layers {
		l := ql.t.l
		st := s.query.styles.get(s.styles, ql.t.ts.Name, l.Info().Name)
		legendField := -1
		if st != nil && st.field != "" {
			legendField = l.Schema().Index(st.field)
		}
		for _, i := range ql.hits {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, `{"type":"Feature","id":`...)
			b = l.AppendIDJSON(b, i)
			b = append(b, `,"geometry":`...)
			b = l.AppendGeometryJSON(b, i, s.cfg.GeoJSONDecimals)
			b = append(b, `,"properties":`...)
			b = l.AppendPropertiesJSON(b, i)
			b = append(b, `,"tileset":`...)
			b = appendJSON(b, ql.t.ts.Name)
			b = append(b, `,"layer":`...)
			b = appendJSON(b, l.Info().Name)
			b = append(b, `,"version":`...)
			b = appendJSON(b, ql.t.ts.Version())
			if st != nil && st.title != nil {
				b = append(b, `,"layer_title":`...)
				b = append(b, st.titleJSON...)
			}
			if legendField >= 0 {
				_, v := l.Value(i, legendField)
				code, _ := v.(string)
				if j, ok := st.legendJSON[code]; ok {
					b = append(b, `,"legend":`...)
					b = append(b, j...)
				} else if st.fallback != nil {
					e := *st.fallback
					e.Code = code
					b = append(b, `,"legend":`...)
					b = appendJSON(b, e)
				}
			}
			b = append(b, '}')
		}
	}
	b = append(b, "]}\n"...)
	*bp = b
	return s.writeTagged(w, r, MediaTypeGeoJSON, b)
}

// queryNotModified sets the Plantile-Version header of a query's answer
// (tileset=version of every tileset looked in) and its validators: the
// answer is a function of the request and those versions, so its ETag is
// versionETag's, and a matching If-None-Match is a 304 before any query
// runs.
func (s *Server) queryNotModified(w http.ResponseWriter, r *http.Request, targets []queryTarget) bool {
	var vs []string
	for _, t := range targets {
		v := t.ts.Name + "=" + t.ts.Version()
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	versions := strings.Join(vs, ", ")
	w.Header()[VersionHeader] = []string{versions}
	return s.notModified(w, r, s.versionETag(r, versions, "", ""))
}

// appendJSON appends v as JSON. Values come from the index (strings,
// numbers, booleans, raw JSON) or are plain structs, so Marshal cannot
// fail except for a NaN or infinite number, written as null.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case bool:
		return strconv.AppendBool(b, v)
	case json.RawMessage:
		return append(b, v...)
	case string:
		return geojson.AppendString(b, v)
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, j...)
}

// fmtFloat writes the shortest decimal that reads back as v exactly.
func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
