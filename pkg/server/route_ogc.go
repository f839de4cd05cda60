package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorilla/mux"

	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ogcapi"
)

// OGCBase is the base path of OGC API - Features; the web map keeps "/".
const OGCBase = "/ogc"

// Routes of OGC API - Features, also the "route" label of metrics.
const (
	RouteOGCLanding     = OGCBase
	RouteOGCConformance = OGCBase + "/conformance"
	RouteOGCAPI         = OGCBase + "/api"
	RouteOGCCollections = OGCBase + "/collections"
	RouteOGCCollection  = OGCBase + "/collections/{collectionId}"
	RouteOGCItems       = OGCBase + "/collections/{collectionId}/items"
	RouteOGCItem        = OGCBase + "/collections/{collectionId}/items/{featureId}"
	RouteOGCQueryables  = OGCBase + "/collections/{collectionId}/queryables"
)

// ogcState is the Server's state for the OGC routes: the HTML templates,
// the source CRS of each layer (found with PROJ once per layer version)
// and pools of PROJ transformers by CRS (a Transformer serves one request
// at a time).
type ogcState struct {
	htmlOnce sync.Once
	html     *ogcapi.HTML
	htmlErr  error

	// srcEPSG caches sourceEPSG by tileset, version and layer name: keys
	// are strings, so that old versions' layers are not kept alive, and
	// the cache is emptied when it holds maxSourceEPSG entries (reloads
	// add keys).
	srcEPSG  sync.Map // string -> int
	srcCount atomic.Int64

	mu    sync.Mutex
	pools map[string]*sync.Pool // by CRS URI
}

// maxSourceEPSG bounds the source CRS cache.
const maxSourceEPSG = 4096

// ogcRoutes registers the OGC API - Features routes on r.
func (s *Server) ogcRoutes(r *mux.Router, methods []string) {
	for _, rt := range []struct {
		path, route string
		h           handlerFunc
	}{
		{OGCBase, RouteOGCLanding, s.handleOGCLanding},
		{OGCBase + "/", RouteOGCLanding, s.handleOGCLanding},
		{RouteOGCConformance, RouteOGCConformance, s.handleOGCConformance},
		{RouteOGCAPI, RouteOGCAPI, s.handleOGCAPI},
		{RouteOGCCollections, RouteOGCCollections, s.handleOGCCollections},
		{RouteOGCCollection, RouteOGCCollection, s.handleOGCCollection},
		{RouteOGCItems, RouteOGCItems, s.handleOGCItems},
		{RouteOGCItem, RouteOGCItem, s.handleOGCItem},
		{RouteOGCQueryables, RouteOGCQueryables, s.handleOGCQueryables},
	} {
		r.Path(rt.path).Methods(methods...).Handler(s.handle(rt.route, s.ogcErrors(rt.h)))
	}
}

// ogcErrors answers the errors of an OGC route with the OGC exception
// document ({"code", "description"}, OGC API - Common) instead of RFC 9457
// problem JSON: a bad parameter is a 400 naming it, an unknown collection
// or feature a 404. Internal errors are logged and answered generically,
// time-outs 503, as everywhere else.
func (s *Server) ogcErrors(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		err := h(w, r)
		if err == nil {
			return nil
		}
		if rec, ok := w.(*recorder); ok && rec.wrote {
			return err // the middleware logs it
		}
		status, ex := ogcapi.ExceptionFor(err)
		kind := KindInvalid
		var e *Err
		switch {
		case status == http.StatusNotFound:
			kind = KindNotFound
		case status == http.StatusBadRequest:
		case errors.As(err, &e) && e.Kind != KindInternal:
			kind, status = e.Kind, e.Kind.Status()
			ex = ogcapi.Exception{Code: http.StatusText(status), Description: e.Detail}
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			kind, status = KindUnavailable, http.StatusServiceUnavailable
			ex = ogcapi.Exception{Code: "ServiceUnavailable", Description: "the request timed out or was cancelled"}
			w.Header().Set("Retry-After", "1")
		default:
			kind = KindInternal
			s.log.Error("server: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		s.metrics.errors.WithLabelValues(kind.String()).Inc()
		body, _ := json.Marshal(ex) // strings only
		h := w.Header()
		h.Del("Content-Encoding")
		h.Del("ETag")
		h.Del("Content-Crs")
		h.Set("Content-Type", ogcapi.MediaJSON)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(append(body, '\n'))
		}
		return nil
	}
}

// ogcService describes the API for a request: every link starts from
// the base URL the client reached the server at.
func (s *Server) ogcService(r *http.Request) ogcapi.Service {
	return ogcapi.Service{
		BaseURL:      s.BaseURL(r) + OGCBase,
		Title:        "plantile: Sơn La planning layers",
		Description:  "OGC API - Features (Parts 1, 2 and 3) over the exact features of the published tilesets.",
		DefaultLimit: s.cfg.OGCDefaultLimit,
		MaxLimit:     s.cfg.OGCMaxLimit,
	}
}

func (s *Server) ogcHTML() (*ogcapi.HTML, error) {
	s.ogc.htmlOnce.Do(func() { s.ogc.html, s.ogc.htmlErr = ogcapi.NewHTML() })
	return s.ogc.html, s.ogc.htmlErr
}

// ogcFormat negotiates the response format and refuses query parameters
// the route does not know (OGC API - Features 1,
// /req/core/query-param-unknown).
func ogcFormat(r *http.Request, known ...string) (ogcapi.Format, error) {
	q := r.URL.Query()
	for k := range q {
		if k != ogcapi.ParamF && !contains(known, k) {
			return 0, &ogcapi.ParamError{Param: clip(k), Reason: "unknown parameter"}
		}
	}
	return ogcapi.NegotiateFormat(q.Get(ogcapi.ParamF), r.Header.Get("Accept"))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ogcCollection is one collection: a layer of one tileset version.
type ogcCollection struct {
	id string
	ts *Tileset
	l  *index.Layer
}

// ogcCollections lists every collection: each tileset's layers, tileset
// by name then layer in build order. A tileset of one layer is the
// collection named like the tileset; the layers of a tileset of several
// are named TILESET.LAYER (sonla.landuse).
func (s *Server) ogcCollections() []ogcCollection {
	var out []ogcCollection
	for _, ts := range s.reg.List() {
		layers := ts.Layers()
		for _, l := range layers {
			id := ts.Name
			if len(layers) > 1 {
				id += "." + l.Info().Name
			}
			out = append(out, ogcCollection{id: id, ts: ts, l: l})
		}
	}
	return out
}

// ogcLookup finds the collection id: the tileset is read from the
// registry once, so that the layer and the version header belong to one
// version.
func (s *Server) ogcLookup(id string) (ogcCollection, error) {
	if ts, ok := s.reg.Get(id); ok && len(ts.Layers()) == 1 {
		return ogcCollection{id: id, ts: ts, l: ts.Layers()[0]}, nil
	}
	for i := 0; i < len(id); i++ {
		if id[i] != '.' {
			continue
		}
		ts, ok := s.reg.Get(id[:i])
		if !ok || len(ts.Layers()) < 2 {
			continue
		}
		if l := ts.Layer(id[i+1:]); l != nil {
			return ogcCollection{id: id, ts: ts, l: l}, nil
		}
	}
	return ogcCollection{}, &ogcapi.NotFoundError{What: "collection", ID: clip(id)}
}

// info describes c for the document builders.
func (s *Server) ogcInfo(c ogcCollection) ogcapi.CollectionInfo {
	name := c.l.Info().Name
	title := c.id
	if st := s.query.styles.get(s.styles, c.ts.Name, name); st != nil && st.title != nil {
		title = st.title.VI
		if st.title.EN != "" {
			title += " · " + st.title.EN
		}
	}
	return ogcapi.CollectionInfo{
		ID:    c.id,
		Title: title,
		Description: fmt.Sprintf("Layer %s of tileset %s, version %s: %d features (%s geometry, ids: %s).",
			name, c.ts.Name, c.ts.Version(), c.l.Len(), c.l.Info().GeometryType, c.l.IDKind()),
		Bounds:     c.l.Bounds(),
		Schema:     c.l.Schema(),
		Count:      c.l.Len(),
		SourceEPSG: s.sourceEPSG(c),
	}
}

// sourceEPSG returns the EPSG code of the CRS the layer of c came in,
// from the CRS text the build kept with it (the .prj WKT or GeoJSON crs
// name); 0 when unknown. PROJ identifies it once per layer version.
func (s *Server) sourceEPSG(c ogcCollection) int {
	l := c.l
	key := c.ts.Name + "\x00" + c.ts.Version() + "\x00" + l.Info().Name
	if v, ok := s.ogc.srcEPSG.Load(key); ok {
		return v.(int)
	}
	code := 0
	if text := strings.TrimSpace(l.Info().CRS); text != "" {
		var c *crs.CRS
		var err error
		if strings.HasPrefix(text, "urn:") || strings.HasPrefix(strings.ToUpper(text), "EPSG:") || strings.HasPrefix(text, "http") {
			c, err = crs.FromGeoJSONName(text)
		} else {
			c, err = crs.FromWKT(text)
		}
		if err == nil && c != nil {
			code = c.EPSG
		}
	}
	if s.ogc.srcCount.Add(1) > maxSourceEPSG {
		s.ogc.srcEPSG.Clear()
		s.ogc.srcCount.Store(1)
	}
	s.ogc.srcEPSG.Store(key, code)
	return code
}

// transformer returns a Transformer between CRS84 and c from a pool, and
// the function that gives it back.
func (s *Server) ogcTransformer(c ogcapi.CRS) (*ogcapi.Transformer, func(), error) {
	if c.IsCRS84() || c.EPSG == 4326 {
		t, err := ogcapi.NewTransformer(c) // no PROJ: cheap
		return t, func() {}, err
	}
	s.ogc.mu.Lock()
	if s.ogc.pools == nil {
		s.ogc.pools = map[string]*sync.Pool{}
	}
	pool := s.ogc.pools[c.URI]
	if pool == nil {
		pool = &sync.Pool{New: func() any {
			t, err := ogcapi.NewTransformer(c)
			if err != nil {
				return err
			}
			return t
		}}
		s.ogc.pools[c.URI] = pool
	}
	s.ogc.mu.Unlock()
	switch t := pool.Get().(type) {
	case *ogcapi.Transformer:
		return t, func() { pool.Put(t) }, nil
	case error:
		return nil, nil, fmt.Errorf("server: transformer for %s: %w", c.URI, t)
	}
	return nil, nil, fmt.Errorf("server: transformer pool for %s", c.URI)
}

// writeOGC answers with v as JSON of the given media type, or renders it
// as HTML with render.
func (s *Server) writeOGC(w http.ResponseWriter, r *http.Request, f ogcapi.Format, mediaType string, v any, render func(*ogcapi.HTML, *bytes.Buffer) error) error {
	body, contentType, err := s.renderOGC(f, mediaType, v, render)
	if err != nil {
		return err
	}
	return s.writeBody(w, r, contentType, body)
}

// renderOGC returns the body and content type writeOGC sends.
func (s *Server) renderOGC(f ogcapi.Format, mediaType string, v any, render func(*ogcapi.HTML, *bytes.Buffer) error) ([]byte, string, error) {
	var buf bytes.Buffer
	if f == ogcapi.FormatHTML && render != nil {
		h, err := s.ogcHTML()
		if err != nil {
			return nil, "", err
		}
		if err := render(h, &buf); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), "text/html; charset=utf-8", nil
	}
	if err := encodeJSON(&buf, v); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mediaType, nil
}

// versions sets the Plantile-Version header: tileset=version for every
// tileset a document describes.
func versions(w http.ResponseWriter, cs []ogcCollection) {
	var vs []string
	for _, c := range cs {
		v := c.ts.Name + "=" + c.ts.Version()
		if !contains(vs, v) {
			vs = append(vs, v)
		}
	}
	if len(vs) > 0 {
		w.Header().Set(VersionHeader, strings.Join(vs, ", "))
	}
}

func (s *Server) infos(cs []ogcCollection) []ogcapi.CollectionInfo {
	out := make([]ogcapi.CollectionInfo, len(cs))
	for i, c := range cs {
		out[i] = s.ogcInfo(c)
	}
	return out
}

func (s *Server) handleOGCLanding(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	svc := s.ogcService(r)
	lp := svc.LandingPage()
	cs := s.ogcCollections()
	versions(w, cs)
	return s.writeOGC(w, r, f, ogcapi.MediaJSON, lp, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Landing(b, svc, lp, svc.Collections(s.infos(cs)))
	})
}

func (s *Server) handleOGCConformance(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	svc := s.ogcService(r)
	c := svc.Conformance()
	return s.writeOGC(w, r, f, ogcapi.MediaJSON, c, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Conformance(b, svc, c)
	})
}

// handleOGCAPI answers the OpenAPI document; f=html (or a browser's
// Accept) gives its HTML view, rel=service-doc.
func (s *Server) handleOGCAPI(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	svc := s.ogcService(r)
	cs := s.ogcCollections()
	versions(w, cs)
	doc := svc.OpenAPI(s.infos(cs))
	return s.writeOGC(w, r, f, ogcapi.MediaOpenAPI, doc, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.API(b, svc, doc)
	})
}

func (s *Server) handleOGCCollections(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	svc := s.ogcService(r)
	cs := s.ogcCollections()
	versions(w, cs)
	doc := svc.Collections(s.infos(cs))
	return s.writeOGC(w, r, f, ogcapi.MediaJSON, doc, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Collections(b, svc, doc)
	})
}

func (s *Server) handleOGCCollection(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	c, err := s.ogcLookup(mux.Vars(r)["collectionId"])
	if err != nil {
		return err
	}
	versions(w, []ogcCollection{c})
	svc := s.ogcService(r)
	doc := svc.Collection(s.ogcInfo(c))
	return s.writeOGC(w, r, f, ogcapi.MediaJSON, doc, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Collection(b, svc, doc)
	})
}

// handleOGCQueryables answers the queryables as JSON Schema; f=html shows
// the collection page, which lists the fields and their types.
func (s *Server) handleOGCQueryables(w http.ResponseWriter, r *http.Request) error {
	f, err := ogcFormat(r)
	if err != nil {
		return err
	}
	c, err := s.ogcLookup(mux.Vars(r)["collectionId"])
	if err != nil {
		return err
	}
	versions(w, []ogcCollection{c})
	svc := s.ogcService(r)
	info := s.ogcInfo(c)
	doc := svc.Queryables(info)
	return s.writeOGC(w, r, f, ogcapi.MediaSchemaJSON, doc, func(h *ogcapi.HTML, b *bytes.Buffer) error {
		return h.Collection(b, svc, svc.Collection(info))
	})
}
