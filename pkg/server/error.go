package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Kind classifies an error by what the client can do about it; Error maps
// each kind to one HTTP status.
type Kind int

// The error kinds.
const (
	KindInternal         Kind = iota // a bug or a broken file: 500, details logged, never sent
	KindInvalid                      // a malformed request: 400
	KindNotFound                     // no such resource: 404
	KindMethod                       // method not allowed: 405
	KindUnavailable                  // not ready, shutting down or out of time: 503
	KindNotAcceptable                // no representation within limits for the request's Accept-*: 406
	KindUnauthorized                 // no credentials, or bad ones: 401 with WWW-Authenticate
	KindForbidden                    // valid credentials that may not do this: 403
	KindConflict                     // the resource is not in a state for this: 409
	KindTooLarge                     // the request body is over a limit: 413
	KindUnsupportedMedia             // a request body of a type the route does not take: 415
	KindTooMany                      // too many failed attempts from this client: 429 with Retry-After
)

var kindStatus = [...]int{
	KindInternal:         http.StatusInternalServerError,
	KindInvalid:          http.StatusBadRequest,
	KindNotFound:         http.StatusNotFound,
	KindMethod:           http.StatusMethodNotAllowed,
	KindUnavailable:      http.StatusServiceUnavailable,
	KindNotAcceptable:    http.StatusNotAcceptable,
	KindUnauthorized:     http.StatusUnauthorized,
	KindForbidden:        http.StatusForbidden,
	KindConflict:         http.StatusConflict,
	KindTooLarge:         http.StatusRequestEntityTooLarge,
	KindUnsupportedMedia: http.StatusUnsupportedMediaType,
	KindTooMany:          http.StatusTooManyRequests,
}

var kindName = [...]string{
	KindInternal:         "internal",
	KindInvalid:          "invalid",
	KindNotFound:         "not_found",
	KindMethod:           "method",
	KindUnavailable:      "unavailable",
	KindNotAcceptable:    "not_acceptable",
	KindUnauthorized:     "unauthorized",
	KindForbidden:        "forbidden",
	KindConflict:         "conflict",
	KindTooLarge:         "too_large",
	KindUnsupportedMedia: "unsupported_media",
	KindTooMany:          "too_many",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindName) {
		return "unknown"
	}
	return kindName[k]
}

// Status returns the HTTP status of k.
func (k Kind) Status() int {
	if k < 0 || int(k) >= len(kindStatus) {
		return http.StatusInternalServerError
	}
	return kindStatus[k]
}

// Err is an error a handler returns with a kind and a detail meant for the
// client. Cause, if any, is logged for internal errors and never sent.
type Err struct {
	Kind   Kind
	Detail string
	Cause  error
	// RetryAfter, in seconds, is sent as Retry-After when positive (429,
	// 503); 503s without it get 1.
	RetryAfter int
	// Reasons, when not nil, is sent as the problem's "reasons" member:
	// what a refused file got wrong, each with file, feature and cause.
	Reasons any
}

func (e *Err) Error() string {
	if e.Cause != nil {
		return "server: " + e.Detail + ": " + e.Cause.Error()
	}
	return "server: " + e.Detail
}

func (e *Err) Unwrap() error { return e.Cause }

// errorf builds an *Err of kind with a formatted detail for the client.
func errorf(kind Kind, format string, args ...any) *Err {
	return &Err{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Reasons lists what a refused file got wrong (the upload API).
	Reasons any `json:"reasons,omitempty"`
}

// ErrorKind returns the kind of err: the Kind of an *Err in its chain,
// KindUnavailable for a request that ran out of time or was cancelled, and
// KindInternal otherwise.
func ErrorKind(err error) Kind {
	var e *Err
	switch {
	case errors.As(err, &e):
		return e.Kind
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return KindUnavailable
	default:
		return KindInternal
	}
}

// Error writes err as an RFC 9457 problem+json response. It is the only
// place that chooses an error status. Internal errors are logged with their
// cause and answered with a generic detail, so that no path, SQL or stack
// reaches the client.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	kind := ErrorKind(err)
	status := kind.Status()
	detail := ""
	var e *Err
	switch {
	case kind == KindInternal:
		s.log.Error("server: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		detail = "the server could not answer this request; the error has been logged"
	case errors.As(err, &e):
		detail = e.Detail
		if kind == KindUnavailable && e.Cause != nil {
			s.log.Warn("server: unavailable", "path", r.URL.Path, "err", err)
		}
	default:
		detail = "the request timed out or was cancelled"
		// Logged, so that a burst of 503s has an explanation: a deadline
		// is the server's doing, a cancellation the client's.
		if errors.Is(err, context.DeadlineExceeded) {
			s.log.Warn("server: request timed out", "path", r.URL.Path, "timeout", s.cfg.RequestTimeout, "err", err)
		} else {
			s.log.Debug("server: request cancelled", "path", r.URL.Path, "err", err)
		}
	}
	s.metrics.errors.WithLabelValues(kind.String()).Inc()
	p := Problem{
		Type:     "about:blank",
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
	}
	retry := 0
	if e != nil {
		p.Reasons, retry = e.Reasons, e.RetryAfter
	}
	body, err := json.Marshal(p)
	if err != nil { // only Reasons can fail, and they are the pipeline's plain structs
		p.Reasons = nil
		body, _ = json.Marshal(p)
	}
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case retry > 0:
		h.Set("Retry-After", strconv.Itoa(retry))
	case kind == KindUnavailable:
		h.Set("Retry-After", "1")
	}
	if kind == KindUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="plantile"`)
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// handlerFunc is the signature of every route: it returns an error instead
// of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error
