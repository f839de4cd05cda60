package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/server"
)

// The password of the users the session tests create; the tests check it
// never reaches the log.
const sessionPassword = "mật khẩu rất dài 42"

// sessionEnv is a server with a catalog on a loopback port: organisation
// so-xay-dung with user lan, organisation xa-chieng-co with user minh.
type sessionEnv struct {
	cat  *catalog.Catalog
	url  string
	logs *logBuffer
}

func newSessionEnv(t *testing.T, change func(*config.Config), copts catalog.Options) *sessionEnv {
	t.Helper()
	ctx := context.Background()
	copts.Password = catalog.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1} // fast in tests
	cat, err := catalog.Open(t.TempDir(), copts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	admin := catalog.System("test")
	for _, u := range [][3]string{{"so-xay-dung", "Sở Xây dựng", "lan"}, {"xa-chieng-co", "Xã Chiềng Cơi", "minh"}} {
		if _, err := cat.AddOrg(ctx, admin, u[0], u[1], catalog.KindDepartment); err != nil {
			t.Fatal(err)
		}
		if _, err := cat.AddUser(ctx, admin, u[2], u[0], sessionPassword); err != nil {
			t.Fatal(err)
		}
	}
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	reg := server.NewRegistry(t.TempDir(), server.RegistryOptions{Logger: log})
	t.Cleanup(func() { reg.Close() })
	cfg := config.Default()
	if change != nil {
		change(&cfg)
	}
	srv, err := server.New(server.Options{Config: cfg, Tilesets: reg, Logger: log, Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	t.Cleanup(func() {
		if strings.Contains(logs.String(), sessionPassword) {
			t.Errorf("the password is in the log:\n%s", logs)
		}
	})
	return &sessionEnv{cat: cat, url: hs.URL, logs: logs}
}

// call sends one request with body (JSON when it is not a url.Values) and
// headers (name, value pairs); cookie, when set, is sent.
func (e *sessionEnv) call(t *testing.T, method, path string, body any, cookie *http.Cookie, headers ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = strings.NewReader(string(j)), "application/json"
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, out
}

// signIn signs user in and returns the session cookie and the answer.
func (e *sessionEnv) signIn(t *testing.T, user string, headers ...string) (*http.Cookie, server.SessionInfo) {
	t.Helper()
	res, body := e.call(t, "POST", "/api/session", map[string]string{"user": user, "password": sessionPassword}, nil, headers...)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: %s %s", user, res.Status, body)
	}
	var info server.SessionInfo
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatal(err)
	}
	cs := res.Cookies()
	if len(cs) != 1 {
		t.Fatalf("sign in set %d cookies, want 1: %v", len(cs), res.Header["Set-Cookie"])
	}
	return cs[0], info
}

func wantStatus(t *testing.T, what string, res *http.Response, body []byte, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: %s %s, want %d", what, res.Status, body, status)
		return
	}
	if status >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want a problem", what, res.Header.Get("Content-Type"))
	}
}

// TestSessionCookie: a sign-in sets one HttpOnly, SameSite=Strict cookie of
// 256 random bits on Path=/, Secure (with the __Host- prefix) only over
// HTTPS as a trusted proxy says; GET /api/session tells who is signed in
// and the CSRF token; the password never reaches the log.
func TestSessionCookie(t *testing.T) {
	e := newSessionEnv(t, nil, catalog.Options{})
	c, info := e.signIn(t, "lan")
	if c.Name != "plantile_session" || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.MaxAge != 0 {
		t.Errorf("cookie %+v", c)
	}
	if len(c.Value) != 43 || strings.Trim(c.Value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		t.Errorf("cookie value %q is not 256 bits in base64url", c.Value)
	}
	if info.User != "lan" || info.Org != "so-xay-dung" || len(info.CSRF) != 43 || info.CSRF == c.Value ||
		time.Until(info.Expires) < 7*time.Hour || time.Until(info.Expires) > 8*time.Hour {
		t.Errorf("sign-in answer %+v", info)
	}
	res, body := e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "GET with the cookie", res, body, http.StatusOK)
	var got server.SessionInfo
	json.Unmarshal(body, &got)
	if got != info || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET /api/session = %+v (Cache-Control %q), want %+v", got, res.Header.Get("Cache-Control"), info)
	}
	res, body = e.call(t, "GET", "/api/session", nil, nil)
	wantStatus(t, "GET without a cookie", res, body, http.StatusUnauthorized)
	res, body = e.call(t, "GET", "/api/session", nil, &http.Cookie{Name: "plantile_session", Value: strings.Repeat("A", 43)})
	wantStatus(t, "GET with a made-up cookie", res, body, http.StatusUnauthorized)

	// A second sign-in is another session, with its own CSRF token.
	c2, info2 := e.signIn(t, "lan")
	if c2.Value == c.Value || info2.CSRF == info.CSRF {
		t.Errorf("two sign-ins share a cookie or a token")
	}

	// Over HTTPS, as the trusted proxy (loopback, the default) says.
	cs, _ := e.signIn(t, "minh", "X-Forwarded-Proto", "https")
	if cs.Name != "__Host-plantile_session" || !cs.Secure || !cs.HttpOnly || cs.SameSite != http.SameSiteStrictMode || cs.Path != "/" || cs.Domain != "" {
		t.Errorf("cookie over https %+v", cs)
	}
	res, body = e.call(t, "GET", "/api/session", nil, cs)
	wantStatus(t, "GET with the secure cookie", res, body, http.StatusOK)

	// The same header from a client that is not a trusted proxy is not
	// believed.
	e2 := newSessionEnv(t, func(c *config.Config) { c.TrustedProxies = nil }, catalog.Options{})
	if c, _ := e2.signIn(t, "lan", "X-Forwarded-Proto", "https"); c.Secure || c.Name != "plantile_session" {
		t.Errorf("cookie from an untrusted X-Forwarded-Proto %+v", c)
	}
	e3 := newSessionEnv(t, func(c *config.Config) { c.PublicURL = "https://gis.example/plantile" }, catalog.Options{})
	if c, _ := e3.signIn(t, "lan"); !c.Secure || c.Name != "__Host-plantile_session" {
		t.Errorf("cookie under an https public_url %+v", c)
	}
}

// TestSessionCSRF: a signed-in browser's DELETE without the session's CSRF
// token, or with another one, is refused (403) and changes nothing; with it
// (header or form field) the session ends, and its cookie no longer works.
func TestSessionCSRF(t *testing.T) {
	e := newSessionEnv(t, nil, catalog.Options{})
	c, info := e.signIn(t, "lan")
	_, other := e.signIn(t, "minh")
	res, body := e.call(t, "DELETE", "/api/session", nil, c)
	wantStatus(t, "DELETE without a token", res, body, http.StatusForbidden)
	if !strings.Contains(string(body), "X-CSRF-Token") {
		t.Errorf("the refusal does not say what is missing: %s", body)
	}
	for _, tok := range []string{other.CSRF, info.CSRF[:42], info.CSRF + "A", strings.ToUpper(info.CSRF)} {
		res, body = e.call(t, "DELETE", "/api/session", nil, c, "X-CSRF-Token", tok)
		wantStatus(t, "DELETE with a wrong token", res, body, http.StatusForbidden)
	}
	res, body = e.call(t, "DELETE", "/api/session", url.Values{"csrf": {other.CSRF}}, c)
	wantStatus(t, "DELETE with a wrong form token", res, body, http.StatusForbidden)
	res, body = e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "still signed in after refusals", res, body, http.StatusOK)

	res, body = e.call(t, "DELETE", "/api/session", nil, c, "X-CSRF-Token", info.CSRF)
	wantStatus(t, "sign out", res, body, http.StatusNoContent)
	if cs := res.Cookies(); len(cs) != 1 || cs[0].Name != "plantile_session" || cs[0].MaxAge >= 0 {
		t.Errorf("sign-out cookies %v, want the session cookie cleared", res.Header["Set-Cookie"])
	}
	res, body = e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "GET after sign-out", res, body, http.StatusUnauthorized)
	res, body = e.call(t, "DELETE", "/api/session", nil, c, "X-CSRF-Token", info.CSRF)
	wantStatus(t, "sign out twice", res, body, http.StatusNoContent)

	// The form field works as the header does.
	c, info = e.signIn(t, "lan")
	res, body = e.call(t, "DELETE", "/api/session", url.Values{"csrf": {info.CSRF}}, c)
	wantStatus(t, "sign out by form", res, body, http.StatusNoContent)
	res, body = e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "GET after sign-out by form", res, body, http.StatusUnauthorized)
}

// TestSignInLockout: wrong passwords are 401s that do not say whether the
// user exists; the failure that reaches the catalog's limit locks the user
// (429 with Retry-After), and then even the right password is refused.
func TestSignInLockout(t *testing.T) {
	e := newSessionEnv(t, nil, catalog.Options{MaxFailedLogins: 3, Lockout: time.Minute})
	wrong := map[string]string{"user": "lan", "password": "not the password"}
	var first []byte
	for i := 1; i <= 2; i++ {
		res, body := e.call(t, "POST", "/api/session", wrong, nil)
		wantStatus(t, "wrong password "+strconv.Itoa(i), res, body, http.StatusUnauthorized)
		if len(res.Cookies()) != 0 {
			t.Errorf("a refused sign-in set a cookie")
		}
		first = body
	}
	res, body := e.call(t, "POST", "/api/session", map[string]string{"user": "nobody", "password": "not the password"}, nil)
	wantStatus(t, "unknown user", res, body, http.StatusUnauthorized)
	if string(body) != string(first) {
		t.Errorf("unknown user %s differs from wrong password %s", body, first)
	}
	res, body = e.call(t, "POST", "/api/session", wrong, nil)
	wantStatus(t, "third wrong password", res, body, http.StatusTooManyRequests)
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 || s > 61 {
		t.Errorf("Retry-After %q, want the seconds to the end of the lock", res.Header.Get("Retry-After"))
	}
	res, body = e.call(t, "POST", "/api/session", map[string]string{"user": "lan", "password": sessionPassword}, nil)
	wantStatus(t, "right password while locked", res, body, http.StatusTooManyRequests)
	// Another user is not locked.
	e.signIn(t, "minh")
	// The form works as JSON does.
	res, body = e.call(t, "POST", "/api/session", url.Values{"user": {"minh"}, "password": {sessionPassword}}, nil)
	wantStatus(t, "form sign-in", res, body, http.StatusOK)
}

// TestSessionEnds: a session ends after session_lifetime, and at once when
// its user is disabled; a full store refuses new sign-ins.
func TestSessionEnds(t *testing.T) {
	e := newSessionEnv(t, func(c *config.Config) { c.SessionLifetime = time.Second; c.MaxSessions = 2 }, catalog.Options{})
	c, _ := e.signIn(t, "lan")
	c2, _ := e.signIn(t, "minh")
	res, body := e.call(t, "POST", "/api/session", map[string]string{"user": "lan", "password": sessionPassword}, nil)
	wantStatus(t, "sign-in over max_sessions", res, body, http.StatusServiceUnavailable)
	res, body = e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "GET at once", res, body, http.StatusOK)

	if err := e.cat.DisableUser(context.Background(), catalog.System("test"), "minh"); err != nil {
		t.Fatal(err)
	}
	res, body = e.call(t, "GET", "/api/session", nil, c2)
	wantStatus(t, "GET of a disabled user", res, body, http.StatusUnauthorized)

	time.Sleep(1100 * time.Millisecond)
	res, body = e.call(t, "GET", "/api/session", nil, c)
	wantStatus(t, "GET after session_lifetime", res, body, http.StatusUnauthorized)
	// Expired sessions make room.
	e.signIn(t, "lan")
}

// TestSignInRefusals: malformed sign-ins are 400s, a sign-in posted from
// another site is a 403, and without a catalog there is no sign-in.
func TestSignInRefusals(t *testing.T) {
	e := newSessionEnv(t, nil, catalog.Options{})
	for _, tc := range []struct {
		what    string
		body    any
		headers []string
		status  int
	}{
		{"no password", map[string]string{"user": "lan"}, nil, http.StatusBadRequest},
		{"not JSON", nil, []string{"Content-Type", "application/json"}, http.StatusBadRequest},
		{"plain text", nil, []string{"Content-Type", "text/plain"}, http.StatusBadRequest},
		{"cross-site", map[string]string{"user": "lan", "password": sessionPassword}, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"huge", map[string]string{"user": "lan", "password": strings.Repeat("x", 20000)}, nil, http.StatusBadRequest},
	} {
		res, body := e.call(t, "POST", "/api/session", tc.body, nil, tc.headers...)
		wantStatus(t, tc.what, res, body, tc.status)
	}
	res, body := e.call(t, "PUT", "/api/session", nil, nil)
	wantStatus(t, "PUT", res, body, http.StatusMethodNotAllowed)

	env := newEnv(t, envOptions{})
	res2, body2 := env.do(t, "GET", "/api/session")
	if res2.StatusCode != http.StatusNotFound || !strings.Contains(string(body2), "--data") {
		t.Errorf("without a catalog: %s %s", res2.Status, body2)
	}
}

// TestSessionOnAPI: the API takes a signed-in browser's cookie as its
// credentials: unsafe requests need the session's CSRF token (403 without
// it or with another session's, before anything is looked up), another
// organisation's user is refused (403), and a request with a bearer token
// is judged by the token alone.
func TestSessionOnAPI(t *testing.T) {
	e := newSessionEnv(t, nil, catalog.Options{})
	ctx := context.Background()
	admin := catalog.System("test")
	if _, err := e.cat.AddVersion(ctx, admin, "quy-hoach", catalog.NewVersion{Owner: "so-xay-dung", SourceHash: strings.Repeat("a", 64)}); err != nil {
		t.Fatal(err)
	}
	lan, lanInfo := e.signIn(t, "lan")
	minh, minhInfo := e.signIn(t, "minh")

	res, body := e.call(t, "GET", "/api/layers/quy-hoach", nil, lan)
	wantStatus(t, "GET a layer signed in", res, body, http.StatusOK)
	res, body = e.call(t, "GET", "/api/layers/quy-hoach", nil, nil)
	wantStatus(t, "GET a layer signed out", res, body, http.StatusUnauthorized)

	rb := map[string]int{"version": 1}
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/rollback", rb, lan)
	wantStatus(t, "rollback without a CSRF token", res, body, http.StatusForbidden)
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/rollback", rb, lan, "X-CSRF-Token", minhInfo.CSRF)
	wantStatus(t, "rollback with another session's token", res, body, http.StatusForbidden)
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/rollback", rb, minh, "X-CSRF-Token", minhInfo.CSRF)
	wantStatus(t, "rollback by another organisation", res, body, http.StatusForbidden)
	// The owner with the token gets past authentication: version 1 was
	// never published, which is the catalog's conflict, not a refusal.
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/rollback", rb, lan, "X-CSRF-Token", lanInfo.CSRF)
	if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized {
		t.Errorf("rollback by the owner with the token: %s %s", res.Status, body)
	}
	// An upload with the cookie and no token is refused before its body.
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/versions", nil, lan, "Content-Type", "application/geo+json")
	wantStatus(t, "upload without a CSRF token", res, body, http.StatusForbidden)

	// A bearer token needs no CSRF token, and a cookie beside it changes
	// nothing.
	_, tok, err := e.cat.AddToken(ctx, admin, "xa-chieng-co", false, "test")
	if err != nil {
		t.Fatal(err)
	}
	res, body = e.call(t, "POST", "/api/layers/quy-hoach/rollback", rb, lan, "Authorization", "Bearer "+tok)
	wantStatus(t, "rollback by another organisation's token beside the owner's cookie", res, body, http.StatusForbidden)
}

// TestSignInRateLimit: failed sign-ins count against the client's address
// (auth_failures_per_minute) whatever the user, as failed tokens do.
func TestSignInRateLimit(t *testing.T) {
	e := newSessionEnv(t, func(c *config.Config) { c.AuthFailuresPerMinute = 2 }, catalog.Options{})
	for i, user := range []string{"lan", "minh"} {
		res, body := e.call(t, "POST", "/api/session", map[string]string{"user": user, "password": "not the password"}, nil)
		wantStatus(t, "wrong password "+strconv.Itoa(i+1), res, body, http.StatusUnauthorized)
	}
	res, body := e.call(t, "POST", "/api/session", map[string]string{"user": "lan", "password": sessionPassword}, nil)
	wantStatus(t, "right password from a limited address", res, body, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}
