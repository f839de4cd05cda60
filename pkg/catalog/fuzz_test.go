package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/catalog"
)

// FuzzTokenID: the token parser sees whatever a client puts in an
// Authorization header. It must never panic, an id it returns is 16 hex
// digits taken from the input, and no guessed string authenticates.
// Seeds in testdata/fuzz/FuzzTokenID are replayed by go test.
func FuzzTokenID(f *testing.F) {
	for _, s := range []string{"", "plt_", "plt__", "plt_0123456789abcdef_", "plt_0123456789abcdef_" + strings.Repeat("A", 43),
		"plt_0123456789ABCDEF_" + strings.Repeat("A", 43), "Bearer plt_x", "plt_0123456789abcdef_" + strings.Repeat("é", 43)} {
		f.Add(s)
	}
	dir := f.TempDir()
	c, err := catalog.Open(dir, catalog.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, _, err := c.AddToken(ctx, catalog.System("fuzz"), "", true, ""); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id := catalog.TokenID(s)
		if id != "" {
			if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" || !strings.HasPrefix(s, "plt_"+id+"_") {
				t.Fatalf("TokenID(%q) = %q", s, id)
			}
		}
		if p, err := c.Authenticate(ctx, s); err == nil {
			t.Fatalf("%q authenticated as %+v", s, p)
		} else if catalog.ErrorKind(err) != catalog.Unauthorized {
			t.Fatalf("%q: %v, want unauthorized", s, err)
		}
	})
}
