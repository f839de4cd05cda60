package server

import (
	"strings"
	"testing"
)

// FuzzForwarded: any Forwarded header parses without panicking, and what
// BaseURL takes from it is either refused by validHost or a plain host.
func FuzzForwarded(f *testing.F) {
	for _, s := range []string{
		`for=1.2.3.4;proto=https;host="tiles.example:8443", for=5.6.7.8`,
		`proto=http;host=a.example`,
		`host="[::1]:80"`,
		`;;;=,=;`,
		`host="evil.example/path?x"`,
		`HOST = "a"; PROTO = "https"`,
		`"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		proto, host := forwarded(h)
		if strings.Contains(proto, ",") || strings.Contains(host, ",") {
			t.Fatalf("forwarded(%q) = %q, %q: a value from beyond the first element", h, proto, host)
		}
		if validHost(host) && strings.ContainsAny(host, "/?#@ \t\r\n\"") {
			t.Fatalf("validHost accepted %q from %q", host, h)
		}
	})
}

// FuzzAcceptEncoding: any Accept-Encoding header parses without panicking,
// and naming gzip with a zero weight always refuses gzip.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=0.5, gzip;q=0", "x-gzip", "br, deflate", "gzip;q=abc", "gzip;q=1.5", ";;,,;q=", "identity;q=1, *;q=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := acceptsGzip([]string{h})
		if !strings.ContainsAny(h, ",") && strings.EqualFold(strings.TrimSpace(h), "gzip;q=0") && got {
			t.Fatalf("acceptsGzip(%q) = true", h)
		}
		if acceptsGzip([]string{h, "gzip;q=0"}) && !got {
			t.Fatalf("adding gzip;q=0 to %q turned gzip on", h)
		}
	})
}
