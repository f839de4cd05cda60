package server

import (
	"net/netip"
	"sync"
	"time"
)

// failLimiter counts failed authentications per client address in token
// buckets: each address has burst tokens, refilled at burst per minute; a
// failure takes one, and an address with none left is refused (429) until
// one is back. Successes cost nothing. Memory is bounded: at most
// maxClients addresses are tracked; when full, buckets that have refilled
// completely are forgotten first, and if none has, the oldest is.
type failLimiter struct {
	mu      sync.Mutex
	burst   float64
	perSec  float64
	max     int
	now     func() time.Time
	buckets map[netip.Addr]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// maxClients bounds the addresses a failLimiter tracks.
const maxClients = 100_000

func newFailLimiter(perMinute int) *failLimiter {
	return &failLimiter{burst: float64(perMinute), perSec: float64(perMinute) / 60, max: maxClients,
		now: time.Now, buckets: map[netip.Addr]*bucket{}}
}

// refill brings b up to now and returns its tokens.
func (l *failLimiter) refill(b *bucket, now time.Time) float64 {
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.perSec)
	b.at = now
	return b.tokens
}

// wait returns 0 when ip may try to authenticate, else the whole seconds
// until it may (for Retry-After).
func (l *failLimiter) wait(ip netip.Addr) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		return 0
	}
	if t := l.refill(b, l.now()); t < 1 {
		return int((1-t)/l.perSec) + 1
	}
	return 0
}

// fail takes a token from ip's bucket.
func (l *failLimiter) fail(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[ip] = b
	}
	l.refill(b, now)
	b.tokens = max(0, b.tokens-1)
}

// evict forgets the full buckets, or when none is full, the one least
// recently touched.
func (l *failLimiter) evict(now time.Time) {
	var oldest netip.Addr
	var at time.Time
	for ip, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.perSec >= l.burst {
			delete(l.buckets, ip)
			continue
		}
		if at.IsZero() || b.at.Before(at) {
			oldest, at = ip, b.at
		}
	}
	if len(l.buckets) >= l.max {
		delete(l.buckets, oldest)
	}
}
