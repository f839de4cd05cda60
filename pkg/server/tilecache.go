package server

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// Tile is one tile as the server answers it, with its header values
// computed once: the hot path only copies slice headers into the response.
// Tiles are shared between requests and must not be modified.
type Tile struct {
	Data    []byte // stored bytes, gzip when Gzipped; nil for an empty tile
	Gzipped bool   // Data is gzip (sent with Content-Encoding: gzip when accepted)

	etag   []string // strong ETag of Data: a hash of the stored bytes, stable across restarts
	length []string // Content-Length of Data

	raw atomic.Pointer[rawTile] // decompressed variant, made on first identity request
}

type rawTile struct {
	data   []byte
	etag   []string
	length []string
}

// missingTile stands for tiles the tileset does not have or that are empty:
// the tile route answers 204 for them.
var missingTile = &Tile{}

// Empty reports whether the tile has no content (204).
func (t *Tile) Empty() bool { return len(t.Data) == 0 }

// ETag returns the strong entity tag of the stored bytes.
func (t *Tile) ETag() string {
	if t.Empty() {
		return ""
	}
	return t.etag[0]
}

func newTile(data []byte, gzipped bool) *Tile {
	if len(data) == 0 {
		return missingTile
	}
	return &Tile{
		Data:    data,
		Gzipped: gzipped,
		etag:    []string{etagOf(data, "")},
		length:  []string{strconv.Itoa(len(data))},
	}
}

// identity returns the decompressed variant of a gzipped tile, made once.
// Its ETag is the stored one with "-identity": a different representation
// needs a different strong validator.
func (t *Tile) identity() (*rawTile, error) {
	if r := t.raw.Load(); r != nil {
		return r, nil
	}
	data, err := mbtiles.Gunzip(t.Data)
	if err != nil {
		return nil, err
	}
	e := t.etag[0]
	r := &rawTile{
		data:   data,
		etag:   []string{e[:len(e)-1] + "-identity\""},
		length: []string{strconv.Itoa(len(data))},
	}
	t.raw.Store(r)
	return r, nil
}

// etagOf is the strong entity tag of b: 128 bits of SHA-256, so it only
// depends on the bytes (the same tile has the same ETag after a restart or
// a rebuild that did not change it). suffix tells representations apart.
func etagOf(b []byte, suffix string) string {
	sum := sha256.Sum256(b)
	var buf [2 + 32 + 8]byte
	buf[0] = '"'
	hex.Encode(buf[1:33], sum[:16])
	n := 33 + copy(buf[33:], suffix)
	buf[n] = '"'
	return string(buf[:n+1])
}

// tileKey names a tile of one version of a tileset.
type tileKey struct {
	version uint64
	z       uint8
	x, y    uint32
}

func (k tileKey) shard() uint64 {
	h := k.version*0x9E3779B97F4A7C15 ^ uint64(k.z)<<58 ^ uint64(k.x)*0xBF58476D1CE4E5B9 ^ uint64(k.y)*0x94D049BB133111EB
	return (h ^ h>>29) % cacheShards
}

const cacheShards = 16

// tileCache keeps recently served tiles in memory up to a byte budget. It
// is shared by all tilesets; keys carry the tileset version so a replaced
// file never serves stale tiles. When a shard is full it drops entries in
// map order (effectively random), which costs nothing to track and suits
// tile traffic, where the hot set is the low zooms and the area on screen.
type tileCache struct {
	shards [cacheShards]cacheShard
	limit  int64 // bytes per shard

	hits, misses atomic.Int64
}

type cacheShard struct {
	mu    sync.RWMutex
	m     map[tileKey]*Tile
	bytes int64
}

// entryOverhead approximates the memory of an entry besides its data.
const entryOverhead = 160

func newTileCache(bytes int64) *tileCache {
	if bytes <= 0 {
		return nil
	}
	c := &tileCache{limit: max(bytes/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[tileKey]*Tile)
	}
	return c
}

func (c *tileCache) get(k tileKey) (*Tile, bool) {
	if c == nil {
		return nil, false
	}
	s := &c.shards[k.shard()]
	s.mu.RLock()
	t, ok := s.m[k]
	s.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return t, ok
}

func (c *tileCache) put(k tileKey, t *Tile) {
	if c == nil {
		return
	}
	size := int64(len(t.Data) + entryOverhead)
	if size > c.limit/4 {
		return // one huge tile must not empty the shard
	}
	s := &c.shards[k.shard()]
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[k]; ok {
		s.bytes -= int64(len(old.Data) + entryOverhead)
	}
	for ek, et := range s.m {
		if s.bytes+size <= c.limit {
			break
		}
		delete(s.m, ek)
		s.bytes -= int64(len(et.Data) + entryOverhead)
	}
	s.m[k] = t
	s.bytes += size
}

// drop removes every entry of a tileset version.
func (c *tileCache) drop(version uint64) {
	if c == nil {
		return
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		for k, t := range s.m {
			if k.version == version {
				delete(s.m, k)
				s.bytes -= int64(len(t.Data) + entryOverhead)
			}
		}
		s.mu.Unlock()
	}
}

// size returns the number of cached tiles and their approximate bytes.
func (c *tileCache) size() (n int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		bytes += s.bytes
		s.mu.RUnlock()
	}
	return n, bytes
}
