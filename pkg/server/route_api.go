package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/publish"
)

// Routes of the upload API (only when serving a catalog).
const (
	RouteAPILayers   = "/api/layers"
	RouteAPILayer    = "/api/layers/{id}"
	RouteAPIVersions = "/api/layers/{id}/versions"
	RouteAPIRollback = "/api/layers/{id}/rollback"
	RouteAPIJob      = "/api/jobs/{id}"
	routeAPIOther    = "/api/*"
)

// apiRoutes registers /api. Without a catalog (serve --tiles) every /api
// path is a 404 problem: a tiles directory is read-only.
func (s *Server) apiRoutes(r *mux.Router) {
	api := r.PathPrefix("/api").Subrouter()
	if s.cat == nil {
		api.PathPrefix("/").Handler(s.handleAPI(routeAPIOther, func(http.ResponseWriter, *http.Request) error {
			return errorf(KindNotFound, "no upload API here: this server serves a read-only tiles directory (serve --tiles); serve a data directory (--data) to upload")
		}, true))
		return
	}
	get := []string{http.MethodGet, http.MethodHead}
	type known struct {
		re      *regexp.Regexp
		methods []string
	}
	var routes []known
	route := func(path string, h handlerFunc, timeout bool, methods ...string) {
		rt := api.Path(path[len("/api"):]).Methods(append(methods, http.MethodOptions)...).Handler(s.handleAPI(path, h, timeout))
		re, _ := rt.GetPathRegexp()
		routes = append(routes, known{regexp.MustCompile(re), methods})
	}
	route(RouteAPILayers, s.handleAPILayers, true, get...)
	route(RouteAPILayer, s.handleAPILayer, true, get...)
	route(RouteAPILayer, s.handleAPIDelete, true, http.MethodDelete)
	route(RouteAPIVersions, s.handleAPIVersions, true, get...)
	route(RouteAPIVersions, s.handleUpload, false, http.MethodPost)
	route(RouteAPIRollback, s.handleAPIRollback, true, http.MethodPost)
	route(RouteAPIJob, s.handleAPIJob, true, get...)
	// Anything else under /api: 405 with Allow for a known path, else 404.
	api.PathPrefix("/").Handler(s.handleAPI(routeAPIOther, func(w http.ResponseWriter, r *http.Request) error {
		var allow []string
		for _, k := range routes {
			if k.re.MatchString(r.URL.Path) {
				allow = append(allow, k.methods...)
			}
		}
		if len(allow) == 0 {
			return errorf(KindNotFound, "no such API resource")
		}
		w.Header().Set("Allow", strings.Join(append(allow, http.MethodOptions), ", "))
		return errorf(KindMethod, "method %s is not allowed here; use %s", clip(r.Method), strings.Join(allow, " or "))
	}, true))
}

// jobDoc is a job as the API shows it.
type jobDoc struct {
	ID      string          `json:"id"`
	URL     string          `json:"url"`
	Layer   string          `json:"layer"`
	State   string          `json:"state"` // queued, running, succeeded, failed
	Step    string          `json:"step"`  // read, tile, write
	Done    int64           `json:"done"`
	Total   int64           `json:"total"`
	Version int             `json:"version"` // 0 until known
	Reasons json.RawMessage `json:"reasons"` // [{file, feature, cause}]
	Error   string          `json:"error"`
	Created string          `json:"created"`
	Updated string          `json:"updated"`
}

func (s *Server) jobDoc(r *http.Request, j catalog.Job) jobDoc {
	reasons := j.Reasons
	if len(reasons) == 0 {
		reasons = json.RawMessage("[]")
	}
	return jobDoc{ID: j.ID, URL: s.BaseURL(r) + "/api/jobs/" + j.ID, Layer: j.Layer, State: string(j.State),
		Step: j.Step, Done: j.Done, Total: j.Total, Version: j.Version, Reasons: reasons, Error: j.Error,
		Created: j.CreatedAt, Updated: j.UpdatedAt}
}

// layerDoc is a layer as the API shows it.
type layerDoc struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	Owner          string `json:"owner"`
	CurrentVersion int    `json:"current_version"` // 0 while none is published
	Created        string `json:"created"`
	Updated        string `json:"updated"`
	URL            string `json:"url"`
	Versions       string `json:"versions"`
	TileJSON       string `json:"tilejson,omitempty"` // when a version is published
}

func (s *Server) layerDoc(r *http.Request, l catalog.Layer) layerDoc {
	base := s.BaseURL(r)
	d := layerDoc{ID: l.ID, Title: l.Title, Owner: l.Owner, CurrentVersion: l.CurrentVersion,
		Created: l.CreatedAt, Updated: l.UpdatedAt, URL: base + "/api/layers/" + l.ID,
		Versions: base + "/api/layers/" + l.ID + "/versions"}
	if l.CurrentVersion > 0 {
		d.TileJSON = TileJSONURL(base, l.ID)
	}
	return d
}

// versionDoc is a version as the API shows it (no file path).
type versionDoc struct {
	Number       int             `json:"number"`
	Status       string          `json:"status"` // pending, building, published, failed, retired
	Current      bool            `json:"current"`
	Uploader     string          `json:"uploader"`
	Created      string          `json:"created"`
	Updated      string          `json:"updated"`
	FeatureCount int64           `json:"feature_count"`
	Bounds       *[4]float64     `json:"bounds,omitempty"`
	CRS          string          `json:"crs,omitempty"`
	SourceHash   string          `json:"source_hash"`
	Messages     json.RawMessage `json:"messages"` // [{file, feature, cause}]
}

func (s *Server) handleAPILayers(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.principal(r); err != nil {
		return err
	}
	ls, err := s.cat.Layers(r.Context())
	if err != nil {
		return apiError(err)
	}
	docs := make([]layerDoc, len(ls))
	for i, l := range ls {
		docs[i] = s.layerDoc(r, l)
	}
	return s.writeStatusJSON(w, r, http.StatusOK, map[string]any{"layers": docs})
}

func (s *Server) handleAPILayer(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.principal(r); err != nil {
		return err
	}
	l, err := s.cat.Layer(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return apiError(err)
	}
	return s.writeStatusJSON(w, r, http.StatusOK, s.layerDoc(r, l))
}

func (s *Server) handleAPIVersions(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.principal(r); err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	l, err := s.cat.Layer(r.Context(), id)
	if err != nil {
		return apiError(err)
	}
	vs, err := s.cat.Versions(r.Context(), id)
	if err != nil {
		return apiError(err)
	}
	docs := make([]versionDoc, len(vs))
	for i, v := range vs {
		msgs := v.Messages
		if len(msgs) == 0 {
			msgs = json.RawMessage("[]")
		}
		docs[i] = versionDoc{Number: v.Number, Status: string(v.Status), Current: v.Number == l.CurrentVersion,
			Uploader: v.Uploader, Created: v.CreatedAt, Updated: v.UpdatedAt, FeatureCount: v.FeatureCount,
			Bounds: v.Bounds, CRS: v.CRS, SourceHash: v.SourceHash, Messages: msgs}
	}
	return s.writeStatusJSON(w, r, http.StatusOK, map[string]any{
		"layer": id, "current_version": l.CurrentVersion, "versions": docs})
}

// handleAPIRollback is POST /api/layers/{id}/rollback {"version": N}: the
// owner or an admin serves an earlier published version again (a catalog
// change and a swap; nothing is rebuilt).
func (s *Server) handleAPIRollback(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	var body struct {
		Version *int `json:"version"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Version == nil {
		return errorf(KindInvalid, `the body must be {"version": N}`)
	}
	if *body.Version < 1 {
		return errorf(KindInvalid, "version %d: versions are numbered from 1", *body.Version)
	}
	l, err := publish.Rollback(r.Context(), s.cat, p, id, *body.Version, s.reg)
	if err != nil {
		var ce *catalog.Error
		if errors.As(err, &ce) {
			return apiError(ce)
		}
		return err
	}
	s.log.Info("api: rollback", "layer", id, "version", *body.Version, "by", p.Actor())
	return s.writeStatusJSON(w, r, http.StatusOK, s.layerDoc(r, l))
}

// handleAPIDelete is DELETE /api/layers/{id} (admin only): the layer and
// its versions leave the catalog, it stops being served, and its version
// files are removed. Raw uploads stay (other layers may share them).
func (s *Server) handleAPIDelete(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	if err := p.RequireAdmin(); err != nil {
		return apiError(err)
	}
	id := mux.Vars(r)["id"]
	files, err := s.cat.DeleteLayer(r.Context(), p, id)
	if err != nil {
		return apiError(err)
	}
	if err := s.reg.Reload(r.Context()); err != nil {
		s.log.Warn("api: reload after delete", "layer", id, "err", err)
	}
	if _, still := s.reg.Get(id); !still {
		for _, f := range files {
			if err := os.Remove(s.cat.Path(f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.log.Warn("api: cannot remove a deleted layer's file", "layer", id, "err", err)
			}
		}
	}
	s.log.Info("api: layer deleted", "layer", id, "by", p.Actor(), "versions", len(files))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleAPIJob is GET /api/jobs/{id}: readable by the job's organisation
// and admins.
func (s *Server) handleAPIJob(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(r)
	if err != nil {
		return err
	}
	j, err := s.cat.Job(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return apiError(err)
	}
	if err := p.CanActFor(j.Org); err != nil {
		return apiError(err)
	}
	return s.writeStatusJSON(w, r, http.StatusOK, s.jobDoc(r, j))
}

// writeStatusJSON answers with status and v as JSON, never cached (API
// documents change with every upload).
func (s *Server) writeStatusJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("server: encode json: %w", err)
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
	return nil
}
