package search_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sonla-gis/plantile/pkg/search"
)

// FuzzFind searches the roads with any text: no panic, Fold is idempotent,
// and every hit's value contains the folded query.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"to hieu", "Đường", "CD-001-02", "", " ", "\xff", "e\u0301", "ĐĐĐ", "ngo 12", "a b c"} {
		f.Add(s)
	}
	x := search.Build(roads(f))
	f.Fuzz(func(t *testing.T, q string) {
		fq := search.Fold(q)
		if search.Fold(fq) != fq {
			t.Fatalf("Fold not idempotent on %q: %q then %q", q, fq, search.Fold(fq))
		}
		if utf8.ValidString(q) && (strings.HasPrefix(fq, " ") || strings.HasSuffix(fq, " ") || strings.Contains(fq, "  ")) {
			t.Fatalf("Fold(%q) = %q has stray spaces", q, fq)
		}
		for _, h := range x.Find(q, 20) {
			if !strings.Contains(search.Fold(x.Label(h)), fq) {
				t.Fatalf("Find(%q) returned %q", q, x.Label(h))
			}
		}
	})
}
