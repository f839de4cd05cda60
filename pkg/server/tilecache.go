package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
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

// errTileTooLarge is returned by identity for a tile that decompresses to
// more than the limit.
var errTileTooLarge = errors.New("server: decompressed tile over max_tile_mb")

// identity returns the decompressed variant of a gzipped tile, made once,
// and whether this call made it (the cache then counts its bytes). Its
// ETag is the stored one with "-identity": a different representation
// needs a different strong validator. A tile that decompresses to more
// than limit bytes is refused with errTileTooLarge, having used at most
// limit+1 bytes: a small gzip can inflate a thousandfold.
func (t *Tile) identity(limit int64) (*rawTile, bool, error) {
	if r := t.raw.Load(); r != nil {
		return r, false, nil
	}
	data, err := gunzipLimit(t.Data, limit)
	if err != nil {
		return nil, false, err
	}
	e := t.etag[0]
	r := &rawTile{
		data:   data,
		etag:   []string{e[:len(e)-1] + "-identity\""},
		length: []string{strconv.Itoa(len(data))},
	}
	if !t.raw.CompareAndSwap(nil, r) {
		return t.raw.Load(), false, nil // made by another request meanwhile
	}
	return r, true, nil
}

// gunzipLimit decompresses b, refusing more than limit bytes of output.
func gunzipLimit(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("server: gunzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("server: gunzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, errTileTooLarge
	}
	return out, nil
}

// cost is the memory an entry holds: the stored bytes, the decompressed
// copy once made, and the bookkeeping.
func (t *Tile) cost() int64 {
	n := int64(len(t.Data) + entryOverhead)
	if r := t.raw.Load(); r != nil {
		n += int64(len(r.data))
	}
	return n
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
	m     map[tileKey]cacheEntry
	bytes int64 // the sum of the entries' cost
}

// cacheEntry is a cached tile and the cost it was counted at; the cost
// grows when the tile's decompressed copy is made (grow).
type cacheEntry struct {
	t    *Tile
	cost int64
}

// entryOverhead approximates the memory of an entry besides its data.
const entryOverhead = 160

func newTileCache(bytes int64) *tileCache {
	if bytes <= 0 {
		return nil
	}
	c := &tileCache{limit: max(bytes/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[tileKey]cacheEntry)
	}
	return c
}

func (c *tileCache) get(k tileKey) (*Tile, bool) {
	if c == nil {
		return nil, false
	}
	s := &c.shards[k.shard()]
	s.mu.RLock()
	e, ok := s.m[k]
	s.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return e.t, ok
}

func (c *tileCache) put(k tileKey, t *Tile) {
	if c == nil {
		return
	}
	c.store(k, t, false)
}

// grow recounts the entry of k after t's decompressed copy was made, if
// the entry still holds t; an entry grown too large is dropped.
func (c *tileCache) grow(k tileKey, t *Tile) {
	if c == nil {
		return
	}
	c.store(k, t, true)
}

func (c *tileCache) store(k tileKey, t *Tile, onlyIfPresent bool) {
	size := t.cost()
	s := &c.shards[k.shard()]
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[k]
	if onlyIfPresent && (!ok || old.t != t) {
		return
	}
	if ok {
		delete(s.m, k)
		s.bytes -= old.cost
	}
	if size > c.limit/4 {
		return // one huge tile must not empty the shard
	}
	for ek, e := range s.m {
		if s.bytes+size <= c.limit {
			break
		}
		delete(s.m, ek)
		s.bytes -= e.cost
	}
	s.m[k] = cacheEntry{t: t, cost: size}
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
		for k, e := range s.m {
			if k.version == version {
				delete(s.m, k)
				s.bytes -= e.cost
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
