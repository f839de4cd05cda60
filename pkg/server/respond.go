package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// writeJSON answers with v as JSON, a strong ETag of the body and 304 when
// If-None-Match matches. Documents whose URLs depend on the request carry
// Vary on the forwarding headers unless a public URL is configured.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, contentType string, v any) error {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, v); err != nil {
		return err
	}
	return s.writeBody(w, r, contentType, buf.Bytes())
}

// encodeJSON writes v as indented JSON, {z}, & and < kept readable in
// URLs.
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("server: encode json: %w", err)
	}
	return nil
}

// writeBody answers with body, a strong ETag of its bytes and 304 when
// If-None-Match matches.
func (s *Server) writeBody(w http.ResponseWriter, r *http.Request, contentType string, body []byte) error {
	if s.notModified(w, r, etagOf(body, "")) {
		return nil
	}
	return s.writeTagged(w, r, contentType, body)
}

// getBody takes a buffer for an answer built in full before it is sent
// (queries, items pages, search) from s.bodies: fresh buffers were most of
// the garbage of those routes, and each collection marks the whole index
// of a large tileset.
func (s *Server) getBody() *[]byte {
	bp, _ := s.bodies.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	return bp
}

// putBody gives bp back once its answer is written, unless the answer
// grew it beyond maxPooledBody.
func (s *Server) putBody(bp *[]byte) {
	if cap(*bp) <= maxPooledBody {
		*bp = (*bp)[:0]
		s.bodies.Put(bp)
	}
}

// notModified sets the validator headers of a response (ETag,
// Cache-Control, Vary) and, when If-None-Match matches etag, answers 304
// and returns true.
func (s *Server) notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	h := w.Header()
	h["Etag"] = []string{etag}
	h["Cache-Control"] = s.hdrNoCache
	if s.publicBase == "" {
		h["Vary"] = append(h["Vary"], s.hdrVaryFwd...)
	}
	if etagMatch(r.Header["If-None-Match"], etag) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// writeTagged answers 200 with body, after notModified set the
// validators.
func (s *Server) writeTagged(w http.ResponseWriter, r *http.Request, contentType string, body []byte) error {
	h := w.Header()
	h["Content-Type"] = []string{contentType}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	return nil
}

// versionETag is the weak entity tag of a response that is a function of
// the versions that answer it (tileset=version, as Plantile-Version
// says), the request (path, query, the base URL of its links) and
// variant (the negotiated format), for this server process: a version is
// immutable, so the same request to the same versions gets an equivalent
// answer (the OGC timeStamp aside, hence weak), and the tag costs a hash
// of the request instead of a hash of the body. It is computed before the
// query runs, so that a 304 costs no query at all. The seeds are drawn
// per process: configuration and styles, which also shape answers, are
// read at start, and a restart changes every tag.
func (s *Server) versionETag(r *http.Request, versions, base, variant string) string {
	var buf [2 + 32 + 2]byte
	b := append(buf[:0], 'W', '/', '"')
	for _, seed := range s.etagSeeds {
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(versions)
		h.WriteByte(0)
		h.WriteString(r.URL.Path)
		h.WriteByte(0)
		h.WriteString(r.URL.RawQuery)
		h.WriteByte(0)
		h.WriteString(base)
		h.WriteByte(0)
		h.WriteString(variant)
		b = appendHex64(b, h.Sum64())
	}
	b = append(b, '"')
	return string(b)
}

// appendHex64 appends v as 16 lower-case hex digits.
func appendHex64(b []byte, v uint64) []byte {
	const hex = "0123456789abcdef"
	for sh := 60; sh >= 0; sh -= 4 {
		b = append(b, hex[v>>uint(sh)&0xf])
	}
	return b
}

// BaseURL returns the absolute URL the client reached the server at,
// without a trailing slash: the configured public URL, else built from the
// request: the scheme from Forwarded proto=, X-Forwarded-Proto or the
// connection, the host from Forwarded host=, X-Forwarded-Host or Host.
// Forwarded and X-Forwarded-* headers are believed only when the request
// comes from one of trusted_proxies: anyone else could make the server
// write URLs to a host of their choosing into documents that caches keep.
// Forwarded values that are not a plain scheme or host are ignored. With
// a nil request it returns the public URL, possibly "".
func (s *Server) BaseURL(r *http.Request) string {
	if s.publicBase != "" || r == nil {
		return s.publicBase
	}
	scheme, host := "", ""
	if s.trustedPeer(r.RemoteAddr) {
		scheme, host = forwarded(r.Header.Get("Forwarded"))
		if scheme == "" {
			scheme, _, _ = strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
			scheme = strings.TrimSpace(scheme)
		}
		if host == "" {
			host, _, _ = strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
			host = strings.TrimSpace(host)
		}
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	if !validHost(host) {
		host = r.Host
		if !validHost(host) {
			host = "localhost"
		}
	}
	return scheme + "://" + host
}

// forwarded returns the proto= and host= of the first (client-most)
// element of a Forwarded header (RFC 7239), unquoted; "" for what is
// missing. It does not validate the values.
func forwarded(f string) (proto, host string) {
	if f == "" {
		return "", ""
	}
	first, _, _ := strings.Cut(f, ",")
	for _, pair := range strings.Split(first, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "proto":
			proto = v
		case "host":
			host = v
		}
	}
	return proto, host
}

// trustedPeer reports whether the connection's remote address (ip:port,
// as net/http sets RemoteAddr) is one of trusted_proxies.
func (s *Server) trustedPeer(remote string) bool {
	if len(s.trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// validHost accepts host names, IPv4 and bracketed IPv6 addresses with an
// optional port: nothing that could change the meaning of a URL.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return true
}

// absolute turns a server-relative URL ("/tiles/x.json") into an absolute
// one against base; other URLs are returned as they are.
func absolute(base, u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return base + u
	}
	return u
}
