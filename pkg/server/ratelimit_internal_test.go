package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/sonla-gis/plantile/pkg/config"
)

// TestFailLimiter: a bucket of burst failures per address, refilled at
// burst a minute; other addresses are not affected; the tracked
// addresses are bounded, forgetting refilled buckets first, then the
// oldest.
func TestFailLimiter(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newFailLimiter(6) // one back every 10 s
	l.now = func() time.Time { return now }
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	for i := range 6 {
		if w := l.wait(a); w != 0 {
			t.Fatalf("failure %d: wait %d", i, w)
		}
		l.fail(a)
	}
	if w := l.wait(a); w != 10 && w != 11 {
		t.Errorf("wait after 6 failures: %d s, want about 10", w)
	}
	if l.wait(b) != 0 {
		t.Error("another address is limited")
	}
	now = now.Add(10 * time.Second)
	if w := l.wait(a); w != 0 {
		t.Errorf("after 10 s: wait %d", w)
	}
	l.fail(a)
	if l.wait(a) == 0 {
		t.Error("one token back, used again: not limited")
	}

	l = newFailLimiter(6)
	l.now = func() time.Time { return now }
	l.max = 2
	l.fail(b)
	now = now.Add(time.Second)
	l.fail(a)
	now = now.Add(time.Second)
	c := netip.MustParseAddr("192.0.2.3")
	l.fail(c) // full: b is the oldest, neither refilled
	if _, ok := l.buckets[b]; ok || len(l.buckets) != 2 {
		t.Errorf("after eviction: %v", l.buckets)
	}
	now = now.Add(time.Hour) // all refilled
	l.fail(b)
	if len(l.buckets) != 1 {
		t.Errorf("refilled buckets kept: %d", len(l.buckets))
	}
}

// TestClientIP: the peer, unless it is a trusted proxy: then the
// rightmost forwarded address that is not one.
func TestClientIP(t *testing.T) {
	reg := NewRegistry(t.TempDir(), RegistryOptions{})
	cfg := config.Default()
	cfg.TrustedProxies = []string{"127.0.0.0/8", "10.0.0.0/8"}
	s, err := New(Options{Config: cfg, Tilesets: reg})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		remote, xff, fwd, want string
	}{
		{"203.0.113.9:1234", "198.51.100.1", "", "203.0.113.9"},                   // not a proxy: headers ignored
		{"127.0.0.1:1234", "", "", "127.0.0.1"},                                   // a proxy with no header
		{"127.0.0.1:1234", "198.51.100.1", "", "198.51.100.1"},                    // one hop
		{"127.0.0.1:1234", "6.6.6.6, 198.51.100.1, 10.1.2.3", "", "198.51.100.1"}, // spoofed leftmost ignored
		{"127.0.0.1:1234", "", `for="[2001:db8::1]:443";proto=https`, "2001:db8::1"},
		{"127.0.0.1:1234", "garbage", "", "127.0.0.1"},
	} {
		r := httptest.NewRequest("GET", "/api/layers", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if tt.fwd != "" {
			r.Header.Set("Forwarded", tt.fwd)
		}
		if got := s.clientIP(r).String(); got != tt.want {
			t.Errorf("%s XFF %q Forwarded %q: %s, want %s", tt.remote, tt.xff, tt.fwd, got, tt.want)
		}
	}
}
