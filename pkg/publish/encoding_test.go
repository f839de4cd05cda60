package publish_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/publish"
)

// legacy holds the Son La districts in TCVN3 and VNI, with no .cpg and
// LDID 0, and their expected UTF-8 (testdata/legacy-encodings/NOTICE.txt).
var legacy = filepath.Join("..", "..", "testdata", "legacy-encodings")

// TestLegacyEncodings publishes the TCVN3 and VNI districts with the
// encoding named as an upload names it (any case) and with none (detected),
// and reads the names back from the written file: they must be the
// expected UTF-8, not the Windows-1252 mojibake.
func TestLegacyEncodings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(legacy, "expected_utf8.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, encoding, info string
	}{
		{"tcvn3", "tcvn3", "TCVN3 (override)"},
		{"tcvn3", "TCVN3", "TCVN3 (override)"},
		{"tcvn3", "", "TCVN3 (detected"},
		{"vni", "vni", "VNI (override)"},
		{"vni", "VNI-Windows", "VNI (override)"},
		{"vni", "", "VNI (detected"},
	} {
		t.Run(c.file+"/"+c.encoding, func(t *testing.T) {
			q := request(t, filepath.Join(legacy, "son_la_districts_vn2000_tm3_"+c.file+".shp"))
			q.Encoding = c.encoding
			q.MinZoom, q.MaxZoom = 6, 7
			res, err := publish.Run(context.Background(), q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Layers[0].Info.Encoding; !strings.HasPrefix(got, c.info) {
				t.Errorf("encoding %q, want %s...", got, c.info)
			}
			r, err := mbtiles.Open(q.Out)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			ls, err := r.Features(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			l := ls[0]
			if l.Len() != len(want) {
				t.Fatalf("%d features, want %d", l.Len(), len(want))
			}
			for i, w := range want {
				for _, field := range []string{"ten", "loai"} {
					_, v := l.Value(i, l.Schema().Index(field))
					if v != w[field] {
						t.Errorf("feature %d %s = %q, want %q", i, field, v, w[field])
					}
				}
			}
		})
	}
}
