package mbtiles_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// TestSnapshotSurvivesInPlaceWrites: a Reader from OpenSnapshot keeps
// serving the version it copied, whole, while the original is truncated
// and rewritten in place (what cp does), and leaves no file behind.
func TestSnapshotSurvivesInPlaceWrites(t *testing.T) {
	dir, snaps := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "a.mbtiles")
	tiles := randomTiles(1, 300)
	write(t, path, sampleMeta(), tiles)
	r, err := mbtiles.OpenSnapshot(path, snaps)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Path() != path {
		t.Errorf("Path %q, want %q", r.Path(), path)
	}
	if left, _ := os.ReadDir(snaps); len(left) != 0 {
		t.Errorf("snapshot files visible after open: %v", left)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		for _, tl := range tiles {
			got, ok, err := r.Tile(context.Background(), tl.z, tl.x, tl.y)
			if err != nil || !ok {
				t.Fatalf("tile %d/%d/%d: %v %v", tl.z, tl.x, tl.y, ok, err)
			}
			raw, err := mbtiles.Gunzip(got)
			if err != nil || !bytes.Equal(raw, tl.data) {
				t.Fatalf("tile %d/%d/%d changed", tl.z, tl.x, tl.y)
			}
		}
	}
	check()
	write(t, filepath.Join(dir, "b.mbtiles"), sampleMeta(), randomTiles(2, 50))
	b, err := os.ReadFile(filepath.Join(dir, "b.mbtiles"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil { // in place: same inode
		t.Fatal(err)
	}
	check()
}

// TestSnapshotRefusesDamage: a copy that fails SQLite's checks is refused
// and nothing is left in the snapshot directory.
func TestSnapshotRefusesDamage(t *testing.T) {
	dir, snaps := t.TempDir(), t.TempDir()
	path := filepath.Join(dir, "a.mbtiles")
	write(t, path, sampleMeta(), randomTiles(3, 400))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"empty":     {},
		"truncated": b[:len(b)/2],
		"garbage":   append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xA5}, 8192)...),
	}
	damaged := bytes.Clone(b)
	for i := 4096; i < len(damaged)-4096; i += 4096 {
		copy(damaged[i+100:i+300], bytes.Repeat([]byte{0xFF}, 200)) // every page after the first
	}
	tests["damaged pages"] = damaged
	for name, content := range tests {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name+".mbtiles")
			if err := os.WriteFile(p, content, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := mbtiles.OpenSnapshot(p, snaps)
			if err == nil {
				r.Close()
				t.Fatal("opened")
			}
			if errors.Is(err, mbtiles.ErrChanging) {
				t.Errorf("error %v: not a changing file", err)
			}
			if left, _ := os.ReadDir(snaps); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestOpenTruncatedUnderReader: a Reader from Open whose file is truncated
// in place returns errors (or nothing), never crashes: it is not
// memory-mapped (it used to be, and the process died of SIGBUS).
func TestOpenTruncatedUnderReader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.mbtiles")
	tiles := randomTiles(4, 300)
	write(t, path, sampleMeta(), tiles)
	r := open(t, path)
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, tl := range tiles {
		if _, ok, err := r.Tile(context.Background(), tl.z, tl.x, tl.y); err != nil || !ok {
			failed++
		}
	}
	if failed == 0 {
		t.Error("every tile still read from a truncated file")
	}
}
