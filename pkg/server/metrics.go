package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus collectors, in a registry the server
// owns (never the global default one), so that several servers in one
// process (tests) do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // route, method, code
	duration *prometheus.HistogramVec // route
	bytes    *prometheus.CounterVec   // route
	tiles    *prometheus.CounterVec   // tileset, result
	errors   *prometheus.CounterVec   // kind
	inflight prometheus.Gauge
}

func newMetrics(reg *Registry) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plantile_http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plantile_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plantile_http_response_bytes_total",
			Help: "Response body bytes sent, by route template.",
		}, []string{"route"}),
		tiles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plantile_tiles_served_total",
			Help: "Tile responses by tileset and result (ok, empty, not_modified).",
		}, []string{"tileset", "result"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plantile_http_errors_total",
			Help: "Error responses by kind (invalid, not_found, method, unavailable, internal).",
		}, []string{"kind"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "plantile_http_requests_in_flight",
			Help: "Requests being answered.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.bytes, m.tiles, m.errors, m.inflight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "plantile_tilesets",
			Help: "Tilesets being served.",
		}, func() float64 { return float64(len(reg.List())) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "plantile_tileset_loads_total",
			Help: "Tileset versions loaded (first loads and replacements).",
		}, func() float64 { return float64(reg.loads.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "plantile_tileset_refusals_total",
			Help: "Tileset files refused because they could not be opened or read.",
		}, func() float64 { return float64(reg.refusals.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "plantile_tileset_removals_total",
			Help: "Tilesets no longer served because their file was deleted.",
		}, func() float64 { return float64(reg.removals.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "plantile_tile_cache_hits_total",
			Help: "Tiles answered from the in-memory cache.",
		}, func() float64 { return float64(cacheHits(reg.cache)) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "plantile_tile_cache_misses_total",
			Help: "Tiles read from a tileset file.",
		}, func() float64 { return float64(cacheMisses(reg.cache)) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "plantile_tile_cache_bytes",
			Help: "Approximate memory held by the tile cache.",
		}, func() float64 { _, b := reg.cache.size(); return float64(b) }),
	)
	return m
}

func cacheHits(c *tileCache) int64 {
	if c == nil {
		return 0
	}
	return c.hits.Load()
}

func cacheMisses(c *tileCache) int64 {
	if c == nil {
		return 0
	}
	return c.misses.Load()
}
