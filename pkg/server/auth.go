package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/netip"
	"strings"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// principal authenticates r: it is the ONE place where the API learns who
// is asking. Every /api route calls it first and then authorises the
// principal against the resource (Principal.CanModifyLayer, CanActFor,
// RequireAdmin), which gives 403.
//
// It accepts `Authorization: Bearer plt_<id>_<secret>` API tokens
// (catalog.Authenticate: hashed, compared in constant time, revocable),
// else the session cookie of a signed-in browser (sessionPrincipal: its
// CSRF token on unsafe methods, 403 without it). A request with a bearer
// token is judged by the token alone.
//
// It answers:
//   - 401 (KindUnauthorized) for no credentials or bad ones (unknown,
//     revoked or malformed token: one answer, so that a caller cannot tell
//     which);
//   - 429 (KindTooMany, Retry-After) when this client's failed attempts
//     used up its bucket (auth_failures_per_minute), before the
//     credentials are even looked at;
//   - 403 (KindForbidden) for admin credentials from outside
//     api_admin_networks.
//
// Secrets are never logged nor echoed: errors name the token id at most.
func (s *Server) principal(r *http.Request) (catalog.Principal, error) {
	ip := s.clientIP(r)
	if wait := s.authLimit.wait(ip); wait > 0 {
		return catalog.Principal{}, &Err{Kind: KindTooMany, RetryAfter: wait,
			Detail: "too many failed authentications from this address; try again later"}
	}
	token, ok := bearer(r)
	if !ok {
		// A signed-in browser: the session cookie, and on unsafe
		// methods its CSRF token (session.go).
		if p, has, err := s.sessionPrincipal(r); has {
			return p, err
		}
		return catalog.Principal{}, errorf(KindUnauthorized, "no credentials: send Authorization: Bearer <token> (plantile admin token add), or sign in (POST %s)", RouteSession)
	}
	p, err := s.cat.Authenticate(r.Context(), token)
	if err != nil {
		if catalog.ErrorKind(err) != catalog.Unauthorized {
			return catalog.Principal{}, err // the catalog failed: 500, logged
		}
		s.authLimit.fail(ip)
		s.log.Warn("api: failed authentication", "remote", ip.String(), "path", r.URL.Path)
		return catalog.Principal{}, errorf(KindUnauthorized, "invalid credentials")
	}
	if p.Admin && len(s.adminNets) > 0 && !containsAddr(s.adminNets, ip) {
		s.log.Warn("api: admin credentials from outside api_admin_networks", "remote", ip.String(), "token", p.Token)
		return catalog.Principal{}, errorf(KindForbidden, "admin credentials are not accepted from this address (api_admin_networks)")
	}
	return p, nil
}

// bearer returns the token of an `Authorization: Bearer` header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || subtle.ConstantTimeCompare([]byte(strings.ToLower(h[:len(prefix)])), []byte(prefix)) != 1 {
		return "", false
	}
	t := strings.TrimSpace(h[len(prefix):])
	return t, t != ""
}

// apiError turns a catalog error into the API's: each catalog kind has
// its status; an Internal one stays internal (500, logged, not sent).
func apiError(err error) error {
	var ce *catalog.Error
	if !errors.As(err, &ce) {
		return err
	}
	kind := KindInternal
	switch ce.Kind {
	case catalog.NotFound:
		kind = KindNotFound
	case catalog.Conflict:
		kind = KindConflict
	case catalog.Invalid:
		kind = KindInvalid
	case catalog.Unauthorized:
		kind = KindUnauthorized
	case catalog.Forbidden:
		kind = KindForbidden
	default:
		return err
	}
	return &Err{Kind: kind, Detail: strings.TrimPrefix(ce.Msg, "catalog: ")}
}

// clientIP is the address of the client: the connection's peer, or, when
// the peer is one of trusted_proxies, the last address the proxies saw
// (the rightmost X-Forwarded-For entry, or Forwarded for=, that is not a
// trusted proxy). An address that cannot be parsed is the zero Addr (all
// such clients then share one rate-limit bucket).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if !s.trustedPeer(r.RemoteAddr) {
		return ip
	}
	var hops []string
	for _, f := range r.Header.Values("Forwarded") {
		for _, elem := range strings.Split(f, ",") {
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(k, "for") {
					hops = append(hops, strings.Trim(v, `"`))
				}
			}
		}
	}
	if len(hops) == 0 {
		for _, f := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(f, ",")...)
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break // an unparsable hop: believe no further
		}
		ip = a
		if !containsAddr(s.trusted, a) {
			break
		}
	}
	return ip
}

// parseHop reads one forwarded address: 203.0.113.7, [2001:db8::1]:443,
// 2001:db8::1 or 203.0.113.7:5000.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}

func containsAddr(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
