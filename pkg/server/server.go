package server

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
)

// MaxConcurrentSignIns bounds the password checks running at once: each
// argon2id hash holds 46 MiB (catalog.DefaultPasswordMemoryKiB) for some
// 50 ms; more sign-ins wait, up to request_timeout.
const MaxConcurrentSignIns = 2

// GlyphSource renders or loads the glyph range (256 code points from start)
// of a comma-separated fontstack; *glyphs.Set implements it, GlyphsFS serves
// pre-generated files.
type GlyphSource interface {
	Range(fontstack string, start int) ([]byte, error)
}

// Options are what a Server serves. Only Tilesets is required.
type Options struct {
	Config   config.Config // validated configuration
	Tilesets *Registry     // the tilesets; the caller reloads and closes it
	Styles   fs.FS         // MapLibre style documents NAME.json at the root; nil: none
	Glyphs   GlyphSource   // glyph ranges for /fonts; nil: none
	Web      fs.FS         // the web map (index.html at the root); nil: none
	Logger   *slog.Logger  // default slog.Default()
	// Catalog, when set, is the catalog the Registry serves (see
	// CatalogFiles): the upload API under /api publishes into it. Nil
	// (a tiles directory) answers 404 under /api. Call Close to stop its
	// background publishes.
	Catalog *catalog.Catalog
}

// Server answers plantile's HTTP routes. It is an http.Handler; Serve runs
// it on a listener with timeouts and graceful shutdown.
type Server struct {
	cfg     config.Config
	reg     *Registry
	styles  fs.FS
	glyphs  GlyphSource
	web     fs.FS
	log     *slog.Logger
	metrics *metrics
	router  *mux.Router

	tileRoute http.Handler // the tile route, dispatched before the router
	recorders sync.Pool    // of *recorder
	bodies    sync.Pool    // of *[]byte: answers of /search, /query and OGC items (getBody)

	publicBase string         // PublicURL without a trailing slash; "" to use each request
	trusted    []netip.Prefix // trusted_proxies
	maxTile    int64          // max_tile_mb in bytes
	metricsH   http.Handler   // /metrics, wherever it is served
	cors       corsPolicy
	corsAPI    corsPolicy // cors, with the API's methods

	// Header values computed once and shared by every response: net/http
	// only reads them.
	hdrTileCache []string // Cache-Control of tiles, glyphs
	hdrImmutable []string // Cache-Control of a tile fetched by its version's URL
	hdrVaryTile  []string
	hdrMVT       []string
	hdrGzip      []string
	hdrNoCache   []string        // Cache-Control of documents
	hdrVaryFwd   []string        // Vary of documents whose links follow the request
	codes        [600]string     // status codes as metric labels
	etagSeeds    [2]maphash.Seed // versionETag's, drawn at New

	sessions *sessionStore // session_store.go
	logins   chan struct{} // one token per password check running

	query queryState // route_query.go
	ogc   ogcState   // route_ogc.go

	cat       *catalog.Catalog // nil: no upload API
	uploads   *uploader        // jobs.go; nil without a catalog
	authLimit *failLimiter     // failed authentications per client (auth.go)
	adminNets []netip.Prefix   // api_admin_networks
}

// Route templates, also the "route" label of metrics.
const (
	RouteTile     = "/tiles/{tileset}/{z}/{x}/{y}.pbf"
	RouteTileJSON = "/tiles/{tileset}.json"
	RouteTilesets = "/tiles"
	RouteStyle    = "/styles/{name}.json"
	RouteStyles   = "/styles"
	RouteFonts    = "/fonts/{fontstack}/{range}.pbf"
	RouteViewer   = "/config.json"
	RouteHealth   = "/healthz"
	RouteReady    = "/readyz"
	RouteMetrics  = "/metrics"
	RouteWeb      = "/"
	// RouteSession is in session.go.
	routeNone = "unmatched"
)

// New builds a Server. It does not start anything.
func New(opts Options) (*Server, error) {
	if opts.Tilesets == nil {
		return nil, errors.New("server: no tileset registry")
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{
		cfg:        opts.Config,
		reg:        opts.Tilesets,
		styles:     opts.Styles,
		glyphs:     opts.Glyphs,
		web:        opts.Web,
		log:        opts.Logger,
		metrics:    newMetrics(opts.Tilesets),
		publicBase: strings.TrimSuffix(opts.Config.PublicURL, "/"),
		cors:       newCORSPolicy(opts.Config.CORSOrigins),
		sessions:   newSessionStore(opts.Config.MaxSessions, opts.Config.SessionLifetime),
		logins:     make(chan struct{}, MaxConcurrentSignIns),
	}
	s.corsAPI = s.cors.withMethods("GET, HEAD, POST, DELETE, OPTIONS")
	for _, p := range opts.Config.TrustedProxies {
		pfx, err := config.ParsePrefix(p) // validated above
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.trusted = append(s.trusted, pfx)
	}
	for _, p := range opts.Config.APIAdminNetworks {
		pfx, err := config.ParsePrefix(p) // validated above
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.adminNets = append(s.adminNets, pfx)
	}
	s.authLimit = newFailLimiter(opts.Config.AuthFailuresPerMinute)
	if opts.Catalog != nil {
		s.cat = opts.Catalog
		s.uploads = newUploader(s, s.cat, opts.Config)
	}
	s.maxTile = int64(opts.Config.MaxTileMB) << 20
	s.recorders.New = func() any { return new(recorder) }
	s.hdrTileCache = []string{"public, max-age=" + strconv.Itoa(int(opts.Config.MaxAge/time.Second))}
	s.hdrImmutable = []string{"public, max-age=31536000, immutable"}
	s.hdrMVT, s.hdrGzip = []string{MediaTypeMVT}, []string{"gzip"}
	s.hdrNoCache = []string{"no-cache"}
	s.hdrVaryFwd = []string{"Forwarded, X-Forwarded-Proto, X-Forwarded-Host"}
	s.etagSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	if s.cors.any {
		s.hdrVaryTile = []string{"Accept-Encoding"}
	} else {
		s.hdrVaryTile = []string{"Origin, Accept-Encoding"}
	}
	for i := range s.codes {
		s.codes[i] = strconv.Itoa(i)
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	r := mux.NewRouter()
	methods := []string{http.MethodGet, http.MethodHead, http.MethodOptions}
	// The tile route is also registered here for completeness; ServeHTTP
	// sends tile paths to it directly.
	s.tileRoute = s.handleNoTimeout(RouteTile, s.handleTile)
	r.MatcherFunc(func(r *http.Request, _ *mux.RouteMatch) bool { return isTilePath(r.URL.Path) }).Handler(s.tileRoute)
	r.Path("/tiles/{tileset}.json").Methods(methods...).Handler(s.handle(RouteTileJSON, s.handleTileJSON))
	r.Path("/tiles").Methods(methods...).Handler(s.handle(RouteTilesets, s.handleTilesets))
	r.Path("/styles/{name}.json").Methods(methods...).Handler(s.handle(RouteStyle, s.handleStyle))
	r.Path("/styles").Methods(methods...).Handler(s.handle(RouteStyles, s.handleStyles))
	r.Path("/fonts/{fontstack}/{range}.pbf").Methods(methods...).Handler(s.handle(RouteFonts, s.handleFonts))
	r.Path("/config.json").Methods(methods...).Handler(s.handle(RouteViewer, s.handleViewer))
	r.Path(RouteQueryPoint).Methods(methods...).Handler(s.handle(RouteQueryPoint, s.handleQueryPoint))
	r.Path(RouteQueryBBox).Methods(methods...).Handler(s.handle(RouteQueryBBox, s.handleQueryBBox))
	s.ogcRoutes(r, methods)
	r.Path(RouteSearch).Methods(methods...).Handler(s.handle(RouteSearch, s.handleSearch))
	// Every method: handleSession answers 405 with Allow itself.
	r.Path(RouteSession).Handler(s.handleAPI(RouteSession, s.handleSession, true))
	r.Path("/healthz").Methods(methods...).Handler(s.handle(RouteHealth, s.handleHealth))
	r.Path("/readyz").Methods(methods...).Handler(s.handle(RouteReady, s.handleReady))
	metrics := promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelError)})
	s.metricsH = s.handle(RouteMetrics, func(w http.ResponseWriter, r *http.Request) error {
		metrics.ServeHTTP(w, r)
		return nil
	})
	if s.cfg.MetricsListen == "" {
		r.Path("/metrics").Methods(methods...).Handler(s.metricsH)
	}
	s.apiRoutes(r)
	r.PathPrefix("/").Methods(methods...).Handler(s.handle(RouteWeb, s.handleWeb))
	r.NotFoundHandler = s.handle(routeNone, func(http.ResponseWriter, *http.Request) error {
		return errorf(KindNotFound, "no such resource")
	})
	r.MethodNotAllowedHandler = s.handle(routeNone, methodNotAllowed)
	s.router = r
}

// ServeHTTP answers one request. Tile requests, the bulk of the traffic,
// skip the router: it would clone the request twice to store route
// variables the tile route does not use.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isTilePath(r.URL.Path) {
		s.tileRoute.ServeHTTP(w, r)
		return
	}
	s.router.ServeHTTP(w, r)
}

// isTilePath reports whether p belongs to the tile route: under /tiles/ and
// ending in .pbf or .mvt. The route parses the rest itself, so a malformed
// coordinate is a 400, not a 404 from a pattern that did not match.
func isTilePath(p string) bool {
	return strings.HasPrefix(p, "/tiles/") && (strings.HasSuffix(p, ".pbf") || strings.HasSuffix(p, ".mvt"))
}

// Close stops the upload API's background work: publishes in flight are
// cancelled and their jobs, and the queued ones, are marked failed. Call
// it after Serve has returned (no new uploads), before closing the
// Registry and the catalog. It is safe to call more than once.
func (s *Server) Close() error {
	if s.uploads != nil {
		s.uploads.close()
	}
	return nil
}

// MetricsHandler answers /metrics (and only that path). With
// metrics_listen set to an address, the caller serves it there with
// ServeMetrics; the main handler then answers 404 for /metrics.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.metricsH)
	return mux
}

// ServeMetrics answers /metrics on ln until ctx is done.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.MetricsHandler())
}

// Serve answers requests on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (up to
// ShutdownTimeout) and returns. It does not close the Registry.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.log.Info("server: shutting down", "grace", s.cfg.ShutdownTimeout)
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		hs.Close()
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}
