package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// recorder remembers the status and body size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *recorder) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// handle wraps a route's handler with what every route shares, built once
// per route: CORS and preflight, the per-request timeout, panic recovery,
// the one error path (Error), metrics under the route template and the
// access log.
func (s *Server) handle(route string, h handlerFunc) http.Handler {
	return s.wrap(route, h, true, false)
}

// handleNoTimeout is handle for a route that applies the request timeout
// itself, only around work that can take time: the tile route answers from
// memory most of the time, and a deadline costs a timer per request.
func (s *Server) handleNoTimeout(route string, h handlerFunc) http.Handler {
	return s.wrap(route, h, false, false)
}

// handleAPI is handle for a route of the upload API, which also takes
// POST and DELETE. With timeout false the handler bounds its own time
// (an upload's body may take minutes to arrive).
func (s *Server) handleAPI(route string, h handlerFunc, timeout bool) http.Handler {
	return s.wrap(route, h, timeout, true)
}

func (s *Server) wrap(route string, h handlerFunc, timeout, api bool) http.Handler {
	duration := s.metrics.duration.WithLabelValues(route)
	sent := s.metrics.bytes.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.metrics.inflight.Inc()
		rec := s.recorders.Get().(*recorder)
		*rec = recorder{ResponseWriter: w, status: http.StatusOK}
		cancel := context.CancelFunc(nil)
		if timeout {
			var ctx context.Context
			ctx, cancel = context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
			r = r.WithContext(ctx)
		}
		h := h
		cors := &s.cors
		if api {
			cors = &s.corsAPI
		} else if !methodAllowed(r.Method) {
			h = methodNotAllowed
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					err := fmt.Errorf("server: panic: %v", v)
					if !rec.wrote {
						s.Error(rec, r, err)
					} else {
						s.log.Error("server: panic after the response started", "path", r.URL.Path, "err", err)
					}
				}
			}()
			if cors.apply(rec, r) {
				return // preflight answered
			}
			if err := h(rec, r); err != nil {
				if rec.wrote {
					s.log.Warn("server: error after the response started", "path", r.URL.Path, "err", err)
					return
				}
				s.Error(rec, r, err)
			}
		}()
		if cancel != nil {
			cancel()
		}
		elapsed := time.Since(start)
		status, bytes := rec.status, rec.bytes
		*rec = recorder{}
		s.recorders.Put(rec)
		s.metrics.inflight.Dec()
		s.metrics.requests.WithLabelValues(route, methodLabel(r.Method), s.code(status)).Inc()
		duration.Observe(elapsed.Seconds())
		sent.Add(float64(bytes))
		if s.cfg.AccessLog {
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int64("bytes", bytes),
				slog.Duration("duration", elapsed),
				slog.String("remote", r.RemoteAddr),
			)
		}
	})
}

// methodAllowed reports whether a route answers method; all of plantile's
// routes are read-only.
func methodAllowed(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// methodNotAllowed answers 405 with the methods every route allows.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Allow", "GET, HEAD, OPTIONS")
	return errorf(KindMethod, "method %s is not allowed; use GET or HEAD", clip(r.Method))
}

func (s *Server) code(status int) string {
	if status >= 0 && status < len(s.codes) {
		return s.codes[status]
	}
	return "other"
}

// methodLabel bounds the method label of metrics to the known methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return m
	}
	return "other"
}

// withMethods returns a copy of p whose preflights allow methods.
func (p corsPolicy) withMethods(methods string) corsPolicy {
	p.hdrMethods = []string{methods}
	return p
}

// corsPolicy answers CORS: any origin ("*") or a list.
type corsPolicy struct {
	any     bool
	origins []string

	hdrAny     []string
	hdrExpose  []string
	hdrMethods []string
	hdrMaxAge  []string
	hdrVary    []string
}

func newCORSPolicy(origins []string) corsPolicy {
	p := corsPolicy{
		any:        slices.Contains(origins, "*"),
		hdrAny:     []string{"*"},
		hdrExpose:  []string{"ETag, Content-Encoding, Content-Length, Content-Crs, Plantile-Version"},
		hdrMethods: []string{"GET, HEAD, OPTIONS"},
		hdrMaxAge:  []string{"86400"},
		hdrVary:    []string{"Origin"},
	}
	for _, o := range origins {
		p.origins = append(p.origins, strings.TrimSuffix(o, "/"))
	}
	return p
}

// apply sets the CORS headers of a response and answers OPTIONS requests
// (preflights and plain ones) with 204; it returns true when it did.
func (p *corsPolicy) apply(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	allowed := p.any
	if allowed {
		h["Access-Control-Allow-Origin"] = p.hdrAny
	} else {
		h["Vary"] = p.hdrVary
		if o := r.Header.Get("Origin"); o != "" && slices.Contains(p.origins, o) {
			h.Set("Access-Control-Allow-Origin", o)
			allowed = true
		}
	}
	if allowed && r.Method != http.MethodOptions {
		h["Access-Control-Expose-Headers"] = p.hdrExpose
	}
	if r.Method != http.MethodOptions {
		return false
	}
	h["Allow"] = p.hdrMethods
	if allowed && r.Header.Get("Access-Control-Request-Method") != "" {
		h["Access-Control-Allow-Methods"] = p.hdrMethods
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			h.Set("Access-Control-Allow-Headers", rh)
		}
		h["Access-Control-Max-Age"] = p.hdrMaxAge
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}
