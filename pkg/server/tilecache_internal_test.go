package server

import (
	"bytes"
	"testing"
)

func TestTileCache(t *testing.T) {
	const budget = 1 << 20
	c := newTileCache(budget)
	tl := newTile(bytes.Repeat([]byte{1}, 1000), false)
	for i := range 5000 {
		c.put(tileKey{version: uint64(1 + i%2), z: 14, x: uint32(i), y: 7}, tl)
	}
	n, b := c.size()
	if b > budget || n == 0 {
		t.Fatalf("cache holds %d tiles, %d bytes; budget %d", n, b, budget)
	}
	if n < budget/(1000+entryOverhead)/2 {
		t.Errorf("cache holds only %d tiles of a %d-byte budget", n, b)
	}
	// The most recent put is there.
	if got, ok := c.get(tileKey{version: 2, z: 14, x: 4999, y: 7}); !ok || got != tl {
		t.Error("last tile not cached")
	}
	// Replacing an entry does not count it twice.
	_, before := c.size()
	c.put(tileKey{version: 2, z: 14, x: 4999, y: 7}, tl)
	if _, after := c.size(); after != before {
		t.Errorf("re-put changed bytes from %d to %d", before, after)
	}
	// drop removes one version only.
	c.drop(1)
	n2, b2 := c.size()
	for i := range 5000 {
		if _, ok := c.get(tileKey{version: 1, z: 14, x: uint32(i), y: 7}); ok {
			t.Fatal("dropped version still cached")
		}
	}
	if n2 == 0 || b2 >= b {
		t.Errorf("after drop: %d tiles, %d bytes (was %d)", n2, b2, b)
	}
	// A tile too big for a shard is not cached; a nil cache is a no-op.
	big := newTile(make([]byte, budget), true)
	c.put(tileKey{version: 3}, big)
	if _, ok := c.get(tileKey{version: 3}); ok {
		t.Error("oversized tile cached")
	}
	var off *tileCache
	off.put(tileKey{}, tl)
	if _, ok := off.get(tileKey{}); ok {
		t.Error("disabled cache returned a tile")
	}
}

func TestETagOf(t *testing.T) {
	a, b := etagOf([]byte("tile a"), ""), etagOf([]byte("tile b"), "")
	if a == b || len(a) != 34 || a[0] != '"' || a[33] != '"' {
		t.Errorf("etags %s %s", a, b)
	}
	if etagOf([]byte("tile a"), "") != a {
		t.Error("etag not deterministic")
	}
	tl := newTile([]byte{0x1f, 0x8b, 1, 2, 3}, true)
	if tl.ETag() != etagOf(tl.Data, "") || missingTile.ETag() != "" {
		t.Errorf("Tile.ETag %q", tl.ETag())
	}
}
