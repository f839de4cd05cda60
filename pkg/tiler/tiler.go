package tiler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

	"github.com/sonla-gis/plantile/pkg/geom"
	"github.com/sonla-gis/plantile/pkg/index"
)

// Defaults of Options.
const (
	DefaultExtent          = 4096
	DefaultBuffer          = 5 // pixels of a 256-pixel tile, as tippecanoe and GDAL: 80 units at extent 4096
	DefaultMaxTileBytes    = 500_000
	DefaultMaxTileFeatures = 200_000
	DefaultTinyPolygon     = 1 // square pixels of a 256-pixel tile
	// DefaultMaxTiles fits a province: Son La's 14,000 km² take about
	// 45,000 tiles at z16 and 0.9 million at z18, all of Vietnam 1.2
	// million at z16.
	DefaultMaxTiles = 5_000_000
	// DefaultUnionMaxWork, DefaultUnionMaxEdges and DefaultUnionMaxValues
	// bound the raster union of one tile and layer (see union.go): about a
	// second and a few hundred MB at most.
	DefaultUnionMaxWork   = 1 << 27
	DefaultUnionMaxEdges  = 1 << 22
	DefaultUnionMaxValues = 1<<16 - 2
)

// Ranges New accepts, so that a mistyped option fails at once instead of
// running out of memory or time.
const (
	MaxBuffer          = 128 // pixels: half a tile on each side
	MinMaxTileBytes    = 1 << 10
	MaxMaxTileBytes    = 64 << 20
	MaxMaxTileFeatures = 10_000_000
	MaxWorkers         = 256
	MaxTinyPolygon     = 256 * 256 // a whole tile
	MaxMaxTiles        = 1 << 40
	MaxUnionMaxWork    = 1 << 40
	MaxUnionMaxEdges   = 1 << 28
	MaxUnionMaxValues  = 1<<16 - 2 // labels are 16 bits, 0 for nothing, one kept spare
)

// Zoom defaults, for callers choosing layer zooms.
const (
	// DefaultMinZoom shows the whole of Son La province (about 200 km
	// across) in a few tiles.
	DefaultMinZoom = 8
	// MaxZoomLimit caps DefaultMaxZoom.
	MaxZoomLimit = 16
	// DefaultPrecision is the ground size, in metres, of one tile unit at
	// the default max zoom.
	DefaultPrecision = 0.5
)

// Options tune tiling. Zero values mean the defaults.
type Options struct {
	// Extent is the number of units across a tile (MVT extent).
	Extent int
	// Buffer is how far beyond its edges a tile keeps geometry, in pixels
	// of a 256-pixel tile; negative means none.
	Buffer float64
	// MaxTileBytes caps a tile's gzipped size.
	MaxTileBytes int
	// MaxTileFeatures caps the features in a tile.
	MaxTileFeatures int
	// TinyPolygon is the area, in square pixels of a 256-pixel tile, under
	// which a polygon is folded into pixel squares below its layer's max
	// zoom; negative disables the folding.
	TinyPolygon float64
	// Workers is the number of tiles built at once; default GOMAXPROCS.
	Workers int
	// MaxTiles caps the tiles a Run visits, counted by Plan before any is
	// built; default DefaultMaxTiles.
	MaxTiles int
	// UnionMaxWork caps the scan conversion's steps (edge visits and cells
	// filled) of the raster union per tile and layer, UnionMaxEdges the
	// boundary edges of its raster, UnionMaxValues its distinct values; a
	// tile over them keeps its overlapping polygons whole (see union.go).
	// Defaults DefaultUnionMaxWork, DefaultUnionMaxEdges and
	// DefaultUnionMaxValues.
	UnionMaxWork, UnionMaxEdges, UnionMaxValues int
}

func (o Options) withDefaults() Options {
	if o.Extent == 0 {
		o.Extent = DefaultExtent
	}
	if o.Buffer == 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Buffer < 0 {
		o.Buffer = 0
	}
	if o.MaxTileBytes == 0 {
		o.MaxTileBytes = DefaultMaxTileBytes
	}
	if o.MaxTileFeatures == 0 {
		o.MaxTileFeatures = DefaultMaxTileFeatures
	}
	if o.TinyPolygon == 0 {
		o.TinyPolygon = DefaultTinyPolygon
	}
	if o.Workers == 0 {
		o.Workers = min(runtime.GOMAXPROCS(0), MaxWorkers)
	}
	if o.MaxTiles == 0 {
		o.MaxTiles = DefaultMaxTiles
	}
	if o.UnionMaxWork == 0 {
		o.UnionMaxWork = DefaultUnionMaxWork
	}
	if o.UnionMaxEdges == 0 {
		o.UnionMaxEdges = DefaultUnionMaxEdges
	}
	if o.UnionMaxValues == 0 {
		o.UnionMaxValues = DefaultUnionMaxValues
	}
	return o
}

// check refuses options out of their ranges (after defaults).
func (o Options) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, args...)...)
	}
	switch {
	case o.Extent < 256 || o.Extent > 1<<16 || o.Extent&(o.Extent-1) != 0:
		return bad("extent %d is not a power of two from 256 to 65536", o.Extent)
	case math.IsNaN(o.Buffer) || o.Buffer > MaxBuffer:
		return bad("buffer %g pixels is not from 0 to %d", o.Buffer, MaxBuffer)
	case o.MaxTileBytes < MinMaxTileBytes || o.MaxTileBytes > MaxMaxTileBytes:
		return bad("max tile bytes %d is not from %d to %d", o.MaxTileBytes, MinMaxTileBytes, MaxMaxTileBytes)
	case o.MaxTileFeatures < 1 || o.MaxTileFeatures > MaxMaxTileFeatures:
		return bad("max tile features %d is not from 1 to %d", o.MaxTileFeatures, MaxMaxTileFeatures)
	case math.IsNaN(o.TinyPolygon) || o.TinyPolygon > MaxTinyPolygon:
		return bad("tiny polygon %g square pixels is not at most %d", o.TinyPolygon, MaxTinyPolygon)
	case o.Workers < 1 || o.Workers > MaxWorkers:
		return bad("workers %d is not from 1 to %d", o.Workers, MaxWorkers)
	case o.MaxTiles < 1 || o.MaxTiles > MaxMaxTiles:
		return bad("max tiles %d is not from 1 to %d", o.MaxTiles, int64(MaxMaxTiles))
	case o.UnionMaxWork < 1 || o.UnionMaxWork > MaxUnionMaxWork:
		return bad("union max work %d is not from 1 to %d", o.UnionMaxWork, int64(MaxUnionMaxWork))
	case o.UnionMaxEdges < 1 || o.UnionMaxEdges > MaxUnionMaxEdges:
		return bad("union max edges %d is not from 1 to %d", o.UnionMaxEdges, MaxUnionMaxEdges)
	case o.UnionMaxValues < 1 || o.UnionMaxValues > MaxUnionMaxValues:
		return bad("union max values %d is not from 1 to %d", o.UnionMaxValues, MaxUnionMaxValues)
	}
	return nil
}

// Layer is one MVT layer to build: the features of an index layer under
// a name, from MinZoom to MaxZoom inclusive.
type Layer struct {
	Name    string
	Data    *index.Layer
	MinZoom int
	MaxZoom int
	// Dissolve names the field (usually the land-use code the map is
	// styled by) whose neighbouring polygons are merged into zones below
	// DetailZoom; "" draws every polygon at every zoom.
	Dissolve string
	// DetailZoom is the lowest zoom at which the polygons of a Dissolve
	// layer are drawn one by one; below it they are drawn as zones.
	DetailZoom int
	// MergeLines names the fields (a road's name and class) whose shared
	// values make lines one feature per tile below MaxZoom, chained end to
	// end; nil draws every line as it is.
	MergeLines []string
	// Thin is the distance in pixels under which points (facilities) are
	// thinned below MaxZoom, keeping the higher ranked (see thin.go); 0
	// keeps every point.
	Thin float64
	// Rank names a numeric field ranking points for thinning, greater
	// first; "" ranks them by isolation only.
	Rank string
}

// Tiler builds tiles from a fixed set of layers. It is safe for
// concurrent use.
type Tiler struct {
	layers      []Layer
	opts        Options
	bufferUnits int
	tinyArea    float64 // tile units²
	tinySide    int32
	mercBounds  [][]orb.Bound
	skip        [][]bool // [layer][feature]: left out of every tile
	skippedList []Skipped
	pool        sync.Pool
	// dissolveField[li] is the schema index of layer li's Dissolve field,
	// -1 when it dissolves nothing.
	dissolveField []int
	// mergeFields[li] are the schema indexes of layer li's MergeLines.
	mergeFields [][]int
	// thin[li] is layer li's point thinning, nil for none.
	thin []*thinning
	// zoneMinArea2 is twice the area, in tile units², under which a zone
	// ring is dropped as a sliver.
	zoneMinArea2 int64
	// areasM2[li] are the areas of layer li's polygons in square metres,
	// computed once (under areasOnce[li]) by the first tile with zones.
	areasM2   [][]float64
	areasOnce []sync.Once
}

// Skipped is a feature the Tiler leaves out of every tile: a polygon with
// a ring that crosses or touches itself in Web Mercator, which MVT 2.1
// forbids.
type Skipped struct {
	Layer string
	Index int    // position in the index layer
	ID    uint64 // the feature's id
	Err   error  // wraps geom.ErrSelfIntersection or geom.ErrTooComplex
}

// Skipped returns the features left out of every tile, by layer and
// index.
func (t *Tiler) Skipped() []Skipped { return slices.Clone(t.skippedList) }

// checkRings marks the polygons whose rings are not simple, so that no
// tile carries a ring self-intersecting because of the input (snapping to
// the tile grid can still make one touch itself, as in every MVT encoder).
func (t *Tiler) checkRings() {
	var buf []orb.Point
	for li, l := range t.layers {
		for i := range l.Data.Len() {
			if l.Data.Kind(i).Dimension() != 2 {
				continue
			}
			g0, g1 := l.Data.Groups(i)
			for g := g0; g < g1; g++ {
				r0, r1 := l.Data.Rings(g)
				for r := r0; r < r1; r++ {
					c := l.Data.RingMercator(r)
					buf = buf[:0]
					for k := 0; k+1 < len(c); k += 2 {
						buf = append(buf, orb.Point{c[k], c[k+1]})
					}
					if err := geom.CheckRing(buf); err != nil {
						if t.skip[li] == nil {
							t.skip[li] = make([]bool, l.Data.Len())
						}
						if !t.skip[li][i] {
							t.skip[li][i] = true
							t.skippedList = append(t.skippedList, Skipped{Layer: l.Name, Index: i, ID: l.Data.ID(i), Err: fmt.Errorf("tiler: layer %s feature id %d ring %d: %w", l.Name, l.Data.ID(i), r-r0+1, err)})
						}
					}
				}
			}
		}
	}
}

func (t *Tiler) skipped(li, i int) bool {
	return t.skip[li] != nil && t.skip[li][i]
}

// ErrOptions is returned (wrapped) by New for invalid layers or options.
var ErrOptions = errors.New("tiler: invalid options")

// New prepares a Tiler.
func New(layers []Layer, opts Options) (*Tiler, error) {
	opts = opts.withDefaults()
	if err := opts.check(); err != nil {
		return nil, err
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("%w: no layers", ErrOptions)
	}
	seen := map[string]bool{}
	for _, l := range layers {
		switch {
		case l.Name == "":
			return nil, fmt.Errorf("%w: a layer has no name", ErrOptions)
		case seen[l.Name]:
			return nil, fmt.Errorf("%w: layer name %q used twice", ErrOptions, l.Name)
		case l.Data == nil:
			return nil, fmt.Errorf("%w: layer %q has no data", ErrOptions, l.Name)
		case l.MinZoom < 0 || l.MaxZoom > 24 || l.MinZoom > l.MaxZoom:
			return nil, fmt.Errorf("%w: layer %q: zooms %d..%d", ErrOptions, l.Name, l.MinZoom, l.MaxZoom)
		case l.Dissolve != "" && l.Data.Schema().Index(l.Dissolve) < 0:
			return nil, fmt.Errorf("%w: layer %q: no field %q to dissolve by", ErrOptions, l.Name, l.Dissolve)
		case l.Thin < 0 || l.Thin > 256 || math.IsNaN(l.Thin):
			return nil, fmt.Errorf("%w: layer %q: thinning distance %v pixels is not within 0..256", ErrOptions, l.Name, l.Thin)
		case l.Rank != "" && l.Data.Schema().Index(l.Rank) < 0:
			return nil, fmt.Errorf("%w: layer %q: no field %q to rank points by", ErrOptions, l.Name, l.Rank)
		case slices.ContainsFunc(l.MergeLines, func(f string) bool { return l.Data.Schema().Index(f) < 0 }):
			return nil, fmt.Errorf("%w: layer %q: a field of %q to merge lines by is missing", ErrOptions, l.Name, l.MergeLines)
		}
		seen[l.Name] = true
	}
	pix := float64(opts.Extent) / 256
	t := &Tiler{
		layers:      slices.Clone(layers),
		opts:        opts,
		bufferUnits: int(math.Round(opts.Buffer * pix)),
		tinySide:    int32(math.Max(1, math.Round(pix))),
	}
	if opts.TinyPolygon > 0 {
		t.tinyArea = opts.TinyPolygon * pix * pix
	}
	t.thin = make([]*thinning, len(layers))
	for li, l := range layers {
		if l.Thin > 0 {
			t.thin[li] = newThinning(l)
		}
	}
	t.mergeFields = make([][]int, len(layers))
	for li, l := range layers {
		for _, name := range l.MergeLines {
			t.mergeFields[li] = append(t.mergeFields[li], l.Data.Schema().Index(name))
		}
	}
	t.dissolveField = make([]int, len(layers))
	t.areasM2, t.areasOnce = make([][]float64, len(layers)), make([]sync.Once, len(layers))
	for li, l := range layers {
		t.dissolveField[li] = -1
		if l.Dissolve != "" {
			t.dissolveField[li] = l.Data.Schema().Index(l.Dissolve)
		}
	}
	// Zone rings under a sixteenth of a pixel are slivers left where
	// parcels meet at T-junctions.
	t.zoneMinArea2 = int64(math.Max(2, 2*pix*pix/16))
	t.mercBounds = make([][]orb.Bound, len(layers))
	t.skip = make([][]bool, len(layers))
	t.checkRings()
	for li, l := range layers {
		bs := make([]orb.Bound, l.Data.Len())
		for i := range bs {
			if l.Data.Kind(i) != index.KindNone {
				bs[i] = l.Data.MercatorBound(i)
			}
		}
		t.mercBounds[li] = bs
	}
	t.pool.New = func() any { return newEncoder(t) }
	return t, nil
}

// Options returns the options in effect, defaults filled in.
func (t *Tiler) Options() Options { return t.opts }

// Tile is a built tile.
type Tile struct {
	Z, X, Y int
	// Data is the gzipped MVT; nil when no feature reaches the tile.
	Data []byte
	// Features counts the features encoded, Dropped those dropped to stay
	// under the caps, Coalesced the tiny polygons folded into squares
	// drawn for others, Dissolved the polygons merged into zones.
	Features, Dropped, Coalesced, Dissolved int
	// Thinned counts the points left out for a nearby, higher ranked one.
	Thinned int
	// Unions counts the layers whose zones were made on the raster, their
	// polygons overlapping; UnionFallbacks those over the raster's limits,
	// whose overlapping polygons were drawn whole.
	Unions, UnionFallbacks int
	// Fidelity is the largest difference, in percentage points, between
	// the area share of a dissolve value in the tile's zones and in the
	// exact data; -1 when the tile has no zone.
	Fidelity float64
	// TooLarge is the feature that alone exceeds MaxTileBytes in this
	// tile, when every feature had to be dropped; nil otherwise.
	TooLarge *Oversize
}

// Oversize is a feature that alone makes a tile larger than the cap, and
// so is left out of that tile.
type Oversize struct {
	Layer string
	Index int    // position in the index layer
	ID    uint64 // the feature's id
	Bytes int    // the largest such tile, gzipped
	Tiles int    // tiles it was left out of
	At    [3]int // z/x/y of the largest
	Limit int    // MaxTileBytes
}

// Build builds one tile. The result's Data is a fresh slice.
func (t *Tiler) Build(z, x, y int) Tile {
	e := t.pool.Get().(*encoder)
	defer t.pool.Put(e)
	return t.build(e, z, x, y)
}

// Raw builds one tile and returns its MVT bytes uncompressed (nil when
// empty): for tests and golden files.
func (t *Tiler) Raw(z, x, y int) []byte {
	e := t.pool.Get().(*encoder)
	defer t.pool.Put(e)
	r := e.tile(z, x, y)
	return slices.Clone(r.raw)
}

func (t *Tiler) build(e *encoder, z, x, y int) Tile {
	r := e.tile(z, x, y)
	tl := Tile{Z: z, X: x, Y: y, Features: r.features, Dropped: r.dropped, Coalesced: r.coalesced, Dissolved: r.dissolved, Thinned: r.thinned, Fidelity: r.fidelity, TooLarge: r.oversize, Unions: r.unions, UnionFallbacks: r.fallbacks}
	if r.oversize != nil {
		r.oversize.At = [3]int{z, x, y}
	}
	if r.raw != nil {
		tl.Data = slices.Clone(r.gz)
	}
	return tl
}

// ZoomRange returns the lowest and highest zoom of any layer.
func (t *Tiler) ZoomRange() (minZoom, maxZoom int) {
	minZoom, maxZoom = math.MaxInt, -1
	for _, l := range t.layers {
		minZoom, maxZoom = min(minZoom, l.MinZoom), max(maxZoom, l.MaxZoom)
	}
	return minZoom, maxZoom
}

// Cover returns the tiles of zoom z that Run builds, sorted by x then y:
// those that the features' geometry (plus the buffer) reaches.
func (t *Tiler) Cover(z int) [][2]int {
	var out [][2]int
	w := walker{t: t, ctx: context.Background(), minZ: z, maxZ: z, visit: func(_, x, y int) error {
		out = append(out, [2]int{x, y})
		return nil
	}}
	if root := t.root(); len(root) > 0 {
		w.node(0, 0, 0, root)
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

// ZoomStats sums up the tiles of one zoom.
type ZoomStats struct {
	Tiles     int   // tiles written (non-empty)
	Empty     int   // tiles visited that came out empty
	Bytes     int64 // gzipped bytes
	Features  int64 // features encoded, counted once per tile
	Dropped   int64 // features dropped for the caps
	Coalesced int64 // tiny polygons folded into squares
	Dissolved int64 // polygons merged into zones (counted in the tile holding their centre)
	Thinned   int64 // points left out for a nearby higher ranked one, counted per tile
	// Unions and UnionFallbacks sum Tile.Unions and Tile.UnionFallbacks.
	Unions, UnionFallbacks int64
	// WorstFidelity is the largest Tile.Fidelity of the zoom (-1 without
	// zones), at WorstFidelityAt.
	WorstFidelity   float64
	WorstFidelityAt [3]int
	// sizes of the tiles written, for the median
	sizes     []int
	Largest   int // largest gzipped tile
	LargestAt [3]int
}

// Median returns the median size of the tiles written, 0 for none.
func (s *ZoomStats) Median() int {
	if len(s.sizes) == 0 {
		return 0
	}
	c := slices.Clone(s.sizes)
	slices.Sort(c)
	return c[len(c)/2]
}

// Stats sums up a Run.
type Stats struct {
	Zooms map[int]*ZoomStats
	// Oversize lists the features that alone exceed MaxTileBytes in some
	// tile, by layer and index.
	Oversize []Oversize
}

// Run builds every tile of every zoom and calls put with each non-empty
// one, from a single goroutine; put may keep tile.Data. progress (may be
// nil) is called after each tile with the tiles done and the total. Tiles
// are built by Options.Workers goroutines and reach put through a bounded
// channel, so memory stays bounded whatever the number of tiles.
func (t *Tiler) Run(ctx context.Context, put func(Tile) error, progress func(done, total int)) (Stats, error) {
	minZ, maxZ := t.ZoomRange()
	type job struct{ z, x, y int }
	// The count first: a build over the limit fails before any tile is
	// built, and the progress has a total.
	keys, err := t.plan(ctx, nil)
	if err != nil {
		return Stats{}, err
	}
	total := len(keys)
	stats := Stats{Zooms: map[int]*ZoomStats{}}
	for z := minZ; z <= maxZ; z++ {
		stats.Zooms[z] = &ZoomStats{WorstFidelity: -1}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan job, t.opts.Workers)
	results := make(chan Tile, 2*t.opts.Workers)
	g.Go(func() error {
		defer close(jobs)
		for _, k := range keys {
			z, x, y := unpackKey(k)
			select {
			case jobs <- job{z, x, y}:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	for range t.opts.Workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			e := newEncoder(t)
			for j := range jobs {
				tl := t.build(e, j.z, j.x, j.y)
				select {
				case results <- tl:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var putErr error
	done := 0
	over := map[[2]any]*Oversize{}
	for tl := range results {
		if o := tl.TooLarge; o != nil {
			k := [2]any{o.Layer, o.Index}
			if p := over[k]; p == nil {
				c := *o
				over[k] = &c
			} else {
				p.Tiles++
				if o.Bytes > p.Bytes {
					p.Bytes, p.At = o.Bytes, o.At
				}
			}
		}
		if putErr != nil {
			continue // drain
		}
		zs := stats.Zooms[tl.Z]
		zs.Dropped += int64(tl.Dropped)
		zs.Coalesced += int64(tl.Coalesced)
		zs.Dissolved += int64(tl.Dissolved)
		zs.Unions += int64(tl.Unions)
		zs.UnionFallbacks += int64(tl.UnionFallbacks)
		zs.Thinned += int64(tl.Thinned)
		if tl.Fidelity > zs.WorstFidelity {
			zs.WorstFidelity, zs.WorstFidelityAt = tl.Fidelity, [3]int{tl.Z, tl.X, tl.Y}
		}
		if tl.Data == nil {
			zs.Empty++
		} else {
			zs.Tiles++
			zs.Bytes += int64(len(tl.Data))
			zs.sizes = append(zs.sizes, len(tl.Data))
			zs.Features += int64(tl.Features)
			if len(tl.Data) > zs.Largest {
				zs.Largest, zs.LargestAt = len(tl.Data), [3]int{tl.Z, tl.X, tl.Y}
			}
			if err := put(tl); err != nil {
				putErr = err
				cancel()
				continue
			}
		}
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	err = g.Wait()
	for _, o := range over {
		stats.Oversize = append(stats.Oversize, *o)
	}
	slices.SortFunc(stats.Oversize, func(a, b Oversize) int {
		if a.Layer != b.Layer {
			return strings.Compare(a.Layer, b.Layer)
		}
		return a.Index - b.Index
	})
	if putErr != nil {
		return stats, putErr
	}
	if err != nil {
		return stats, fmt.Errorf("tiler: %w", err)
	}
	return stats, nil
}

// DefaultMaxZoom returns the lowest zoom at which one tile unit is at most
// precision metres on the ground at the middle latitude of b (lon/lat),
// capped at MaxZoomLimit and never below minZoom: the zoom where the
// vertices of a plan sit where the surveyor put them.
func DefaultMaxZoom(b orb.Bound, extent int, precision float64, minZoom int) int {
	if extent <= 0 {
		extent = DefaultExtent
	}
	if precision <= 0 {
		precision = DefaultPrecision
	}
	lat := (b.Min[1] + b.Max[1]) / 2
	for z := 0; z < MaxZoomLimit; z++ {
		unit := index.MetresPerPixel(lat, float64(z), float64(extent))
		if unit <= precision {
			return max(z, minZoom)
		}
	}
	return max(MaxZoomLimit, minZoom)
}

func boundOf(lon0, lat0, lon1, lat1 float64) orb.Bound {
	return orb.Bound{Min: orb.Point{lon0, lat0}, Max: orb.Point{lon1, lat1}}
}

// Must returns t, panicking on err: for tests and fixed configurations.
func Must(t *Tiler, err error) *Tiler {
	if err != nil {
		panic(err)
	}
	return t
}
