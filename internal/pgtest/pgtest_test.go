package pgtest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sonla-gis/plantile/internal/pgtest"
)

// TestCluster starts a cluster, loads a GeoJSON file with ogr2ogr, asks
// PostGIS about it, and checks that after the test nothing is left: no
// server process and no directory.
func TestCluster(t *testing.T) {
	var pid int
	var dir string
	t.Run("run", func(t *testing.T) {
		c := pgtest.Start(t)
		pid, dir = c.PID(), c.Dir
		src := filepath.Join(t.TempDir(), "two.geojson")
		err := os.WriteFile(src, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"ma":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]],[[0.5,0.5],[0.5,1.5],[1.5,1.5],[1.5,0.5],[0.5,0.5]]]}},
{"type":"Feature","properties":{"ma":"B"},"geometry":{"type":"Point","coordinates":[1,1]}}]}`), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		c.Load(t, src, "two", "-t_srs", "EPSG:4326")
		conn := c.Conn(t)
		ctx := context.Background()
		var version string
		if err := conn.QueryRow(ctx, "SELECT postgis_lib_version()").Scan(&version); err != nil {
			t.Fatal(err)
		}
		t.Logf("PostGIS %s", version)
		tests := []struct {
			x, y float64
			want string
		}{
			{0.25, 0.25, "A"},
			{1, 1, "B"},   // in the hole: the point only
			{0.5, 1, "A"}, // on the hole's ring: the boundary belongs to the polygon
			{3, 3, ""},
		}
		for _, tt := range tests {
			var got string
			err := conn.QueryRow(ctx, `SELECT coalesce(string_agg(ma, ',' ORDER BY ma), '') FROM two
				WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326))`, tt.x, tt.y).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("(%g %g): %q, want %q", tt.x, tt.y, got, tt.want)
			}
		}
		if !strings.Contains(c.Log(), "ready to accept connections") {
			t.Errorf("server log:\n%s", c.Log())
		}
	})
	if pid == 0 {
		return // skipped
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres %d still running after the test (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}

// TestClusterStopsOnGoexit: a test that stops midway (t.FailNow, t.Skip,
// t.Fatal all end the test goroutine the same way) still stops its
// server and removes its directory.
func TestClusterStopsOnGoexit(t *testing.T) {
	var pid int
	var dir string
	t.Run("stopped midway", func(t *testing.T) {
		c := pgtest.Start(t)
		pid, dir = c.PID(), c.Dir
		t.Skip("ending the test goroutine with the server running")
	})
	if pid == 0 {
		t.Skip("no cluster started")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres %d still running after the test (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", dir, err)
	}
}
