package server

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// Sign-in for the web map's upload page. A user of an organisation (made by
// `plantile admin user add`) signs in with a name and password; the server
// keeps the session in memory (session_store.go) and the browser a cookie
// holding 256 random bits. Unsafe requests of a signed-in browser must
// carry the session's CSRF token; API tokens (Authorization: Bearer) need
// none, as no browser sends them by itself.

// RouteSession is the sign-in resource: GET who is signed in, POST sign
// in, DELETE sign out.
const RouteSession = "/api/session"

// Session cookie names. Over HTTPS the cookie carries the __Host- prefix,
// which browsers accept only from a secure origin, with Path=/ and no
// Domain: another site on a parent domain cannot plant or widen it.
const (
	sessionCookie       = "plantile_session"
	sessionCookieSecure = "__Host-plantile_session"
)

// CSRFHeader carries the session's CSRF token on unsafe requests;
// CSRFField is the same in an application/x-www-form-urlencoded body.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf"
)

// maxSignInBody bounds the body of POST /api/session: a name and a
// password of at most catalog.MaxPasswordLen bytes, encoded.
const maxSignInBody = 16 << 10

// SessionInfo is the body of GET and POST /api/session.
type SessionInfo struct {
	User    string    `json:"user"`
	Org     string    `json:"org"`
	CSRF    string    `json:"csrf"`    // send it as X-CSRF-Token on POST and DELETE
	Expires time.Time `json:"expires"` // the session ends then, whatever happens
}

// handleSession answers /api/session.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	if s.cat == nil {
		return errorf(KindNotFound, "sign-in needs a catalog: start the server with --data DIR")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		sess, _, err := s.currentSession(r)
		if err != nil {
			return err
		}
		return writeNoStore(w, r, http.StatusOK, sessionInfo(sess))
	case http.MethodPost:
		return s.signIn(w, r)
	case http.MethodDelete:
		return s.signOut(w, r)
	}
	w.Header().Set("Allow", "GET, HEAD, POST, DELETE, OPTIONS")
	return errorf(KindMethod, "method %s is not allowed; use GET, POST or DELETE", clip(r.Method))
}

func sessionInfo(sess session) SessionInfo {
	return SessionInfo{User: sess.user, Org: sess.org, CSRF: sess.csrf, Expires: sess.expires.UTC().Truncate(time.Second)}
}

// signIn answers POST /api/session: the credentials (JSON {"user",
// "password"} or a form) are checked by the catalog (argon2id, lockout),
// at most s.logins at a time; a right password starts a session and sets
// its cookie.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	// A page of another site must not sign the browser in to an account
	// of the attacker's choosing (login CSRF).
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errorf(KindForbidden, "sign-in from another site is refused")
	}
	// Failed sign-ins count against the client's address as failed
	// tokens do (auth_failures_per_minute), besides the user's lockout.
	ip := s.clientIP(r)
	if wait := s.authLimit.wait(ip); wait > 0 {
		return &Err{Kind: KindTooMany, RetryAfter: wait,
			Detail: "too many failed authentications from this address; try again later"}
	}
	user, password, err := readCredentials(w, r)
	if err != nil {
		return err
	}
	select {
	case s.logins <- struct{}{}:
	case <-r.Context().Done():
		return r.Context().Err()
	}
	p, err := s.cat.Login(r.Context(), user, password)
	<-s.logins
	if err != nil {
		if catalog.ErrorKind(err) == catalog.Unauthorized {
			s.authLimit.fail(ip)
		}
		return s.signInFailed(r, user, err)
	}
	if id, ok := sessionCookieValue(r); ok {
		s.sessions.remove(id) // the browser's previous session, if any
	}
	id, sess, err := s.sessions.create(p.User, p.Org)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.sessionCookie(r, id, false))
	s.log.Info("server: signed in", "user", p.User, "org", p.Org, "remote", r.RemoteAddr)
	return writeNoStore(w, r, http.StatusOK, sessionInfo(sess))
}

// signInFailed turns a refused sign-in into its answer: 401 for wrong
// credentials (which never says whether the user exists), 429 with
// Retry-After while the user is locked out.
func (s *Server) signInFailed(r *http.Request, user string, err error) error {
	if catalog.ErrorKind(err) != catalog.Unauthorized {
		return err
	}
	s.log.Info("server: sign-in refused", "user", clip(user), "remote", r.RemoteAddr)
	if u, uerr := s.cat.User(r.Context(), user); uerr == nil && u.LockedUntil != "" {
		if until, perr := time.Parse(time.RFC3339, u.LockedUntil); perr == nil && time.Until(until) > 0 {
			return &Err{Kind: KindTooMany, RetryAfter: int(time.Until(until)/time.Second) + 1,
				Detail: "too many failed sign-ins: this user is locked until " + until.UTC().Format(time.RFC3339)}
		}
	}
	return errorf(KindUnauthorized, "wrong user name or password")
}

// readCredentials reads the user name and password of a sign-in from a
// JSON or form body of at most maxSignInBody bytes.
func readCredentials(w http.ResponseWriter, r *http.Request) (user, password string, err error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSignInBody))
	if err != nil {
		return "", "", errorf(KindInvalid, "the sign-in body is unreadable or over %d bytes", maxSignInBody)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var c struct {
			User     string `json:"user"`
			Password string `json:"password"`
		}
		if err := json.Unmarshal(body, &c); err != nil {
			return "", "", errorf(KindInvalid, "the sign-in body is not JSON {\"user\": ..., \"password\": ...}")
		}
		user, password = c.User, c.Password
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return "", "", errorf(KindInvalid, "the sign-in form is malformed")
		}
		user, password = q.Get("user"), q.Get("password")
	default:
		return "", "", errorf(KindInvalid, "send the sign-in as application/json or a form, not %q", clip(mt))
	}
	if user == "" || password == "" {
		return "", "", errorf(KindInvalid, "both user and password are required")
	}
	return user, password, nil
}

// signOut answers DELETE /api/session: the session ends and the cookie is
// cleared. Without a live session it only clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	sess, id, err := s.currentSession(r)
	if err == nil {
		if err := checkCSRF(r, sess); err != nil {
			return err
		}
		s.sessions.remove(id)
		s.log.Info("server: signed out", "user", sess.user, "remote", r.RemoteAddr)
	}
	http.SetCookie(w, s.sessionCookie(r, "", true))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// currentSession returns the request's live session and its cookie value.
// No cookie, or a session that has ended (expired, signed out, lost in a
// restart, or its user disabled), is an Unauthorized error.
func (s *Server) currentSession(r *http.Request) (session, string, error) {
	id, ok := sessionCookieValue(r)
	if !ok {
		return session{}, "", errorf(KindUnauthorized, "not signed in")
	}
	sess, ok := s.sessions.get(id)
	if !ok {
		return session{}, "", errorf(KindUnauthorized, "the session has ended: sign in again")
	}
	u, err := s.cat.User(r.Context(), sess.user)
	if catalog.ErrorKind(err) == catalog.NotFound || (err == nil && u.Disabled) {
		s.sessions.removeUser(sess.user)
		return session{}, "", errorf(KindUnauthorized, "the session has ended: the user is disabled")
	}
	if err != nil {
		return session{}, "", err
	}
	return sess, id, nil
}

// sessionPrincipal returns the principal of a signed-in browser's request:
// ok is false when the request carries no session cookie. A cookie whose
// session has ended is an Unauthorized error; an unsafe method (anything
// but GET, HEAD, OPTIONS) without the session's CSRF token is Forbidden.
func (s *Server) sessionPrincipal(r *http.Request) (p catalog.Principal, ok bool, err error) {
	if _, has := sessionCookieValue(r); !has || s.cat == nil {
		return catalog.Principal{}, false, nil
	}
	sess, _, err := s.currentSession(r)
	if err != nil {
		return catalog.Principal{}, true, err
	}
	if !safeMethod(r.Method) {
		if err := checkCSRF(r, sess); err != nil {
			return catalog.Principal{}, true, err
		}
	}
	return catalog.Principal{Org: sess.org, User: sess.user}, true, nil
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF compares, in constant time, the request's CSRF token (the
// X-CSRF-Token header, else the csrf field of a form-encoded body) with
// the session's.
func checkCSRF(r *http.Request, sess session) error {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = formCSRF(r)
	}
	if got == "" {
		return errorf(KindForbidden, "missing CSRF token: send the %s header with the csrf value of GET %s", CSRFHeader, RouteSession)
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) != 1 {
		return errorf(KindForbidden, "wrong CSRF token: reload the page, or GET %s for the current one", RouteSession)
	}
	return nil
}

// maxFormBody bounds a form-encoded body read for its csrf field.
const maxFormBody = 64 << 10

// formCSRF returns the csrf field of an application/x-www-form-urlencoded
// body of at most maxFormBody bytes, whatever the method (net/http parses
// forms of POST, PUT and PATCH only), and leaves the body readable.
func formCSRF(r *http.Request) string {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" || r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil || len(body) > maxFormBody {
		return ""
	}
	q, err := url.ParseQuery(string(body))
	if err != nil {
		return ""
	}
	return q.Get(CSRFField)
}

// sessionCookieValue returns the session cookie of r, the __Host- one
// first.
func sessionCookieValue(r *http.Request) (string, bool) {
	for _, name := range []string{sessionCookieSecure, sessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// sessionCookie is the cookie carrying session id value (clear: the one
// removing it). It is HttpOnly (no script reads it), SameSite=Strict (no
// other site's page sends it), Path=/, without Max-Age (closing the
// browser ends it; the server ends it after session_lifetime anyway), and
// Secure with the __Host- prefix when the client reached the server over
// HTTPS: directly, by public_url, or through a trusted proxy saying so.
func (s *Server) sessionCookie(r *http.Request, value string, clear bool) *http.Cookie {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}
	if strings.HasPrefix(s.BaseURL(r), "https://") {
		c.Name, c.Secure = sessionCookieSecure, true
	}
	if clear {
		c.Value, c.MaxAge = "", -1
	}
	return c
}

// writeNoStore answers v as JSON with status, never cached: answers about
// a session are personal.
func writeNoStore(w http.ResponseWriter, r *http.Request, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return errors.Join(errors.New("server: encode json"), err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}
