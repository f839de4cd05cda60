package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
	"github.com/sonla-gis/plantile/pkg/source/geojson"
)

// layerDict lets cql2 compare dictionary codes instead of values, on the
// columns of a layer that are fully coded (index.Layer.Coded): there one
// value has one code, so equality of codes is equality of values.
type layerDict struct{ l *index.Layer }

// Lookup finds the code of v in field f by a scan of the field's
// dictionary: once per literal per request, over a column that has few
// distinct values (or it would not be fully coded).
func (d layerDict) Lookup(f int, v any) (code uint32, found, exact bool) {
	if f < 0 || f >= len(d.l.Schema().Fields) || !d.l.Coded(f) {
		return 0, false, false
	}
	switch v.(type) {
	case string, int64, float64, bool:
	default:
		return 0, false, false
	}
	for c := 1; c < d.l.Distinct(f); c++ {
		if d.l.DictValue(f, uint32(c)) == v {
			return uint32(c), true, true
		}
	}
	return 0, false, true
}

// itemsRequest is a parsed items query.
type itemsRequest struct {
	limit, offset int
	crs           ogcapi.CRS
	bbox          ogcapi.BBox
	props         []int // schema indexes; nil for all
	sort          []ogcapi.SortKey
	expr          cql2.Expr // property filters AND filter; nil for none
}

// parseItems reads every parameter of an items request, each error a
// *ogcapi.ParamError naming its parameter.
func (s *Server) parseItems(r *http.Request, l *index.Layer) (itemsRequest, error) {
	q := r.URL.Query()
	schema := l.Schema()
	var req itemsRequest
	var err error
	if req.limit, err = ogcapi.ParseLimit(q.Get(ogcapi.ParamLimit), s.cfg.OGCDefaultLimit, s.cfg.OGCMaxLimit); err != nil {
		return req, err
	}
	if req.offset, err = ogcapi.ParseOffset(q.Get(ogcapi.ParamOffset)); err != nil {
		return req, err
	}
	if req.crs, err = ogcapi.ParseCRS(ogcapi.ParamCRS, q.Get(ogcapi.ParamCRS)); err != nil {
		return req, err
	}
	bboxCRS, err := ogcapi.ParseCRS(ogcapi.ParamBBoxCRS, q.Get(ogcapi.ParamBBoxCRS))
	if err != nil {
		return req, err
	}
	filterCRS, err := ogcapi.ParseCRS(ogcapi.ParamFilterCRS, q.Get(ogcapi.ParamFilterCRS))
	if err != nil {
		return req, err
	}
	if v := q.Get(ogcapi.ParamBBox); v != "" {
		t, put, err := s.ogcTransformer(bboxCRS)
		if err != nil {
			return req, &ogcapi.ParamError{Param: ogcapi.ParamBBoxCRS, Reason: "unsupported", Err: err}
		}
		req.bbox, err = ogcapi.ParseBBox(v, bboxCRS, t)
		put()
		if err != nil {
			return req, err
		}
	}
	if req.props, err = ogcapi.ParseProperties(q.Get(ogcapi.ParamProperties), schema); err != nil {
		return req, err
	}
	if req.sort, err = ogcapi.ParseSortBy(q.Get(ogcapi.ParamSortBy), schema); err != nil {
		return req, err
	}
	eq, err := ogcapi.ParsePropertyFilters(q, schema)
	if err != nil {
		return req, err
	}
	var filter ogcapi.Filter
	if v := q.Get(ogcapi.ParamFilter); v != "" || q.Get(ogcapi.ParamFilterLang) != "" {
		t, put, err := s.ogcTransformer(filterCRS)
		if err != nil {
			return req, &ogcapi.ParamError{Param: ogcapi.ParamFilterCRS, Reason: "unsupported", Err: err}
		}
		filter, err = ogcapi.ParseFilter(v, q.Get(ogcapi.ParamFilterLang), filterCRS, t, cql2.Queryables{Schema: schema})
		put()
		if err != nil {
			return req, err
		}
	}
	switch pe := ogcapi.PropertyFiltersExpr(eq); {
	case pe != nil && filter.Expr != nil:
		req.expr = &cql2.And{Args: []cql2.Expr{pe, filter.Expr}}
	case pe != nil:
		req.expr = pe
	default:
		req.expr = filter.Expr
	}
	return req, nil
}

// scanCheck is how many features a scan looks at between checks of the
// request's context, so that a time-out stops a long scan.
const scanCheck = 1 << 14

// match returns the features of l matching req, in the stable order of
// paging: by feature index (the layer's id order), or by sortby with ties
// in that order. all is true, and the slice nil, when every feature
// matches in index order (no bbox, filter nor sort): pages are then
// ranges, with nothing collected.
//
// Candidates come from the R-tree: the exact box test of Intersecting for
// bbox, the box of the filter's spatial part (cql2.Bound) otherwise; only
// a filter without a spatial part scans the layer, with the compiled
// predicate comparing dictionary codes where the column is fully coded.
func match(r *http.Request, l *index.Layer, req itemsRequest) (idx []int, all bool, err error) {
	var pred cql2.Predicate
	if req.expr != nil {
		if pred, err = cql2.Compile(req.expr, layerDict{l}); err != nil {
			return nil, false, &ogcapi.ParamError{Param: ogcapi.ParamFilter, Reason: "invalid", Err: err}
		}
	}
	collect := func(i int) bool { idx = append(idx, i); return true }
	switch {
	case len(req.bbox.Bounds) > 0:
		for _, b := range req.bbox.Bounds {
			l.Intersecting(b, collect)
		}
		slices.Sort(idx)
		idx = slices.Compact(idx) // boxes either side of the antimeridian may share a feature
	case pred != nil:
		if b, ok := cql2.Bound(req.expr); ok {
			l.Search(b, collect)
			slices.Sort(idx)
		} else {
			idx = make([]int, l.Len())
			for i := range idx {
				idx[i] = i
			}
		}
	case len(req.sort) > 0:
		idx = make([]int, l.Len())
		for i := range idx {
			idx[i] = i
		}
	default:
		return nil, true, nil
	}
	if pred != nil {
		rec := &ogcapi.IndexRecord{Layer: l}
		kept := idx[:0]
		for k, i := range idx {
			if k%scanCheck == scanCheck-1 {
				if err := r.Context().Err(); err != nil {
					return nil, false, err
				}
			}
			rec.I = i
			if pred(rec) {
				kept = append(kept, i)
			}
		}
		idx = kept
	}
	if len(req.sort) > 0 {
		ogcapi.SortFeatures(idx, req.sort, func(i, f int) any {
			_, v := l.Value(i, f)
			return v
		})
	}
	return idx, false, nil
}

// feature builds the GeoJSON feature i of l in the response CRS (t nil
// for CRS84: the stored coordinates as they are), with the properties of
// fields (schema indexes), nulls included, so that every feature carries
// every column a client lays out.
func ogcFeature(l *index.Layer, i int, fields []int, t *ogcapi.Transformer) (ogcapi.Feature, error) {
	var g orb.Geometry
	if l.Kind(i) != index.KindNone {
		g = l.Geometry(i)
		if t != nil {
			var err error
			if g, err = t.Forward(g); err != nil {
				return ogcapi.Feature{}, err
			}
		}
	}
	schema := l.Schema().Fields
	props := make(feature.Properties, len(fields))
	for _, f := range fields {
		_, v := l.Value(i, f)
		props[schema[f].Name] = v
	}
	return ogcapi.NewFeature(l.FeatureID(i), g, props), nil
}

// fieldsOf returns the schema indexes to write (sel, or every field) and
// their names.
func fieldsOf(l *index.Layer, sel []int) ([]int, []string) {
	if sel == nil {
		sel = make([]int, len(l.Schema().Fields))
		for i := range sel {
			sel[i] = i
		}
	}
	names := make([]string, len(sel))
	for k, f := range sel {
		names[k] = l.Schema().Fields[f].Name
	}
	return sel, names
}

// responseTransformer returns the transformer into c, nil for CRS84.
func (s *Server) responseTransformer(c ogcapi.CRS) (*ogcapi.Transformer, func(), error) {
	if c.IsCRS84() {
		return nil, func() {}, nil
	}
	t, put, err := s.ogcTransformer(c)
	if err != nil {
		return nil, nil, &ogcapi.ParamError{Param: ogcapi.ParamCRS, Reason: "unsupported", Err: err}
	}
	return t, put, nil
}

// handleOGCItems answers /ogc/collections/{collectionId}/items: a page of
// the features matching the query, with numberMatched, numberReturned and
// next/prev links, in GeoJSON or HTML, in the crs asked for.
//
// Page links carry v= (the version that answered): a request naming a
// version the collection no longer has is a 409, so that a client paging
// through a hot swap never joins pages of two versions; it starts again
// from the first page (a URL without v=). Its ETag is versionETag's,
// checked before the query runs.
func (s *Server) handleOGCItems(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f, err := ogcapi.NegotiateFormat(q.Get(ogcapi.ParamF), r.Header.Get("Accept"))
	if err != nil {
		return err
	}
	c, err := s.ogcLookup(mux.Vars(r)["collectionId"])
	if err != nil {
		return err
	}
	l := c.l
	if v := q.Get(ogcapi.ParamVersion); v != "" && v != c.ts.Version() {
		return errorf(KindConflict, "v: collection %s is no longer at version %q (now %q): the pages of that version are gone; start again from the first page, without v", c.id, clip(v), c.ts.Version())
	}
	req, err := s.parseItems(r, l)
	if err != nil {
		return err
	}
	version := c.ts.Name + "=" + c.ts.Version()
	w.Header()[VersionHeader] = []string{version}
	w.Header()["Content-Crs"] = []string{req.crs.ContentCrs()}
	if q.Get(ogcapi.ParamF) == "" {
		w.Header()["Vary"] = append(w.Header()["Vary"], "Accept")
	}
	base := s.BaseURL(r)
	if s.notModified(w, r, s.versionETag(r, version, base, formatName(f))) {
		return nil
	}
	idx, all, err := match(r, l, req)
	if err != nil {
		return err
	}
	matched := len(idx)
	if all {
		matched = l.Len()
	}
	from := min(req.offset, matched)
	to := min(from+req.limit, matched)
	t, put, err := s.responseTransformer(req.crs)
	if err != nil {
		return err
	}
	defer put()
	fields, names := fieldsOf(l, req.props)
	svc := s.ogcService(r)
	page := ogcapi.Page{Offset: req.offset, Limit: req.limit, Returned: to - from, Matched: matched, Version: c.ts.Version()}
	at := func(k int) int {
		if all {
			return k
		}
		return idx[k]
	}
	if f == ogcapi.FormatHTML {
		fs := make([]ogcapi.Feature, 0, to-from)
		for k := from; k < to; k++ {
			ft, err := ogcFeature(l, at(k), fields, t)
			if err != nil {
				return transformError(l, at(k), req.crs, err)
			}
			fs = append(fs, ft)
		}
		fc := svc.FeatureCollection(c.id, q, page, fs, time.Now())
		h, err := s.ogcHTML()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := h.Items(&buf, svc, svc.Collection(s.ogcInfo(c)), fc, names); err != nil {
			return err
		}
		return s.writeTagged(w, r, "text/html; charset=utf-8", buf.Bytes())
	}
	bp := s.getBody()
	defer s.putBody(bp)
	b := append((*bp)[:0], `{"type":"FeatureCollection","features":[`...)
	// Each feature's self link: the collection's items path, then its id.
	self := append([]byte(svc.BaseURL), "/collections/"...)
	self = append(self, url.PathEscape(c.id)...)
	self = append(self, "/items/"...)
	var g orb.Geometry
	for k := from; k < to; k++ {
		i := at(k)
		if k > from {
			b = append(b, ',')
		}
		b = append(b, `{"type":"Feature","id":`...)
		b = l.AppendIDJSON(b, i)
		b = append(b, `,"geometry":`...)
		switch {
		case t == nil:
			b = l.AppendGeometryJSON(b, i, s.cfg.GeoJSONDecimals)
		case l.Kind(i) == index.KindNone:
			b = append(b, "null"...)
		default:
			if g, err = t.Forward(l.Geometry(i)); err != nil {
				return transformError(l, i, req.crs, err)
			}
			b = geojson.AppendGeometryDecimals(b, g, s.cfg.GeoJSONDecimals)
		}
		b = append(b, `,"properties":`...)
		b = l.AppendSelectedPropertiesJSON(b, i, req.props)
		b = append(b, `,"links":[{"href":`...)
		n := len(self)
		self = appendPathID(self, l, i)
		if plainJSON(self) {
			b = append(b, '"')
			b = append(b, self...)
			b = append(b, '"')
		} else {
			b = geojson.AppendString(b, string(self))
		}
		self = self[:n]
		b = append(b, `,"rel":"self","type":"application/geo+json"}]}`...)
	}
	b = append(b, `],"numberMatched":`...)
	b = strconv.AppendInt(b, int64(matched), 10)
	b = append(b, `,"numberReturned":`...)
	b = strconv.AppendInt(b, int64(page.Returned), 10)
	b = append(b, `,"timeStamp":"`...)
	b = time.Now().UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `","links":`...)
	links, err := json.Marshal(svc.ItemsLinks(c.id, q, page))
	if err != nil {
		return fmt.Errorf("server: encode links: %w", err)
	}
	b = append(b, links...)
	b = append(b, "}\n"...)
	*bp = b
	return s.writeTagged(w, r, ogcapi.MediaGeoJSON, b)
}

// formatName names a response format for versionETag.
func formatName(f ogcapi.Format) string {
	if f == ogcapi.FormatHTML {
		return "html"
	}
	return "json"
}

// appendPathID appends feature i's id as a URL path segment.
func appendPathID(b []byte, l *index.Layer, i int) []byte {
	if l.IDKind() == index.IDString {
		return append(b, url.PathEscape(l.FeatureIDText(i))...)
	}
	return l.AppendIDText(b, i)
}

// plainJSON reports whether s needs no escaping in a JSON string: ASCII
// without quotes, backslashes or control characters, as escaped URLs are.
func plainJSON(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// transformError is the error of a feature that cannot be transformed to
// the response CRS.
func transformError(l *index.Layer, i int, c ogcapi.CRS, err error) error {
	return &ogcapi.ParamError{Param: ogcapi.ParamCRS, Reason: fmt.Sprintf("feature %v cannot be transformed to %s", l.FeatureID(i), c.URI), Err: err}
}

// handleOGCItem answers /ogc/collections/{collectionId}/items/{featureId}:
// the feature whose id (FeatureIDText: the source id, or the row number)
// is featureId, found in O(log n).
func (s *Server) handleOGCItem(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r, ogcapi.ParamCRS)
	if err != nil {
		return err
	}
	c, err := s.ogcLookup(mux.Vars(r)["collectionId"])
	if err != nil {
		return err
	}
	id := mux.Vars(r)["featureId"]
	i, ok := c.l.Find(id)
	if !ok {
		return &ogcapi.NotFoundError{What: "feature", ID: clip(id)}
	}
	outCRS, err := ogcapi.ParseCRS(ogcapi.ParamCRS, r.URL.Query().Get(ogcapi.ParamCRS))
	if err != nil {
		return err
	}
	versions(w, []ogcCollection{c})
	w.Header().Set("Content-Crs", outCRS.ContentCrs())
	if r.URL.Query().Get(ogcapi.ParamF) == "" {
		w.Header().Add("Vary", "Accept")
	}
	if s.notModified(w, r, s.versionETag(r, c.ts.Name+"="+c.ts.Version(), s.BaseURL(r), formatName(f))) {
		return nil
	}
	t, put, err := s.responseTransformer(outCRS)
	if err != nil {
		return err
	}
	defer put()
	fields, names := fieldsOf(c.l, nil)
	ft, err := ogcFeature(c.l, i, fields, t)
	if err != nil {
		return &ogcapi.ParamError{Param: ogcapi.ParamCRS, Reason: "cannot transform to " + outCRS.URI, Err: err}
	}
	svc := s.ogcService(r)
	ft.Links = svc.FeatureLinks(c.id, ft.ID)
	body, contentType, err := s.renderOGC(f, ogcapi.MediaGeoJSON, ft, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Feature(b, svc, svc.Collection(s.ogcInfo(c)), ft, names)
	})
	if err != nil {
		return err
	}
	return s.writeTagged(w, r, contentType, body)
}
