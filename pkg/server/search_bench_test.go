package server_test

import (
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkSearchHandler answers /search (limit 10) through the router and
// middleware, without the network, on the tilesets of PLANTILE_BENCH_TILES
// (a directory of .mbtiles, e.g. the one cmd/bench/search.sh builds with
// --search parcels=ma_o,ten_dat,phuong; skipped without it): plot codes
// whole and as prefixes, and names typed without diacritics. It shows the
// CPU and the allocations per request of search.sh's HTTP side, which set
// how often the collector runs.
func BenchmarkSearchHandler(b *testing.B) {
	srv, _ := serveBenchTiles(b)
	for _, bc := range []struct {
		name    string
		queries []string
	}{
		{"codes", []string{"t045-th-011-01", "t045-th-011", "t012-cd-001-01", "t012-cd-001", "t100-qt-005-02", "t100-qt-005"}},
		{"names", []string{"chieng", "xa chieng den", "to hieu", "quyet th", "dat", "dat o tai do thi", "hua la", "chieng d", "giao thong"}},
	} {
		var reqs []*http.Request
		for _, q := range bc.queries {
			r, _ := http.NewRequest("GET", "/search?limit=10&q="+url.QueryEscape(q), nil)
			reqs = append(reqs, r)
		}
		b.Run(bc.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				clear(w.h)
				srv.ServeHTTP(w, reqs[i%len(reqs)])
			}
		})
	}
}
