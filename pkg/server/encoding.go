package server

import (
	"strconv"
	"strings"
)

// acceptsGzip reports whether an Accept-Encoding header (all its field
// lines) allows gzip: "gzip" or "x-gzip" with q > 0, or, when gzip is not
// named, "*" with q > 0 (RFC 9110 section 12.5.3). No header means no gzip:
// identity is always acceptable and is the safe answer for clients that did
// not ask (QGIS shows a blank map for gzip without Content-Encoding, and
// some clients ignore Content-Encoding they did not ask for).
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for v != "" {
			var item string
			if i := strings.IndexByte(v, ','); i >= 0 {
				item, v = v[:i], v[i+1:]
			} else {
				item, v = v, ""
			}
			coding, params, _ := strings.Cut(item, ";")
			coding = strings.TrimSpace(coding)
			q := qvalue(params)
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				gzipQ = max(gzipQ, q)
			case coding == "*":
				starQ = max(starQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// qvalue returns the q parameter in params ("q=0.5; x=y"), 1 when absent,
// and 0 when malformed (an unparseable weight is not a preference).
func qvalue(params string) float64 {
	for params != "" {
		var p string
		if i := strings.IndexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, ""
		}
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || q < 0 || q > 1 {
			return 0
		}
		return q
	}
	return 1
}

// etagMatch reports whether an If-None-Match header (all its field lines)
// matches etag, using the weak comparison RFC 9110 prescribes for
// If-None-Match: W/"x" matches "x", either way round.
func etagMatch(values []string, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for _, v := range values {
		for v != "" {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] == '*' {
				return true
			}
			v = strings.TrimPrefix(v, "W/")
			if v == "" || v[0] != '"' {
				// Malformed: skip to the next comma.
				if i := strings.IndexByte(v, ','); i >= 0 {
					v = v[i+1:]
					continue
				}
				break
			}
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				break
			}
			if v[:end+2] == etag {
				return true
			}
			v = v[end+2:]
		}
	}
	return false
}
