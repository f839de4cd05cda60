package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/paulmach/orb"
	"github.com/sonla-gis/plantile/pkg/crs"
	"github.com/sonla-gis/plantile/pkg/feature"
)

// batchSize is the number of features reprojected in one PROJ call.
const batchSize = 512

// item is one Read result of the source reader.
type item struct {
	f   *feature.Feature
	err error
}

type batch struct {
	seq   int
	items []item
	fatal error     // the stream ended with this error after items (io.EOF at the end)
	bound orb.Bound // of the good items' geometries before reprojection
	empty bool      // no good geometry in items
}

// Reader streams a layer's features in WGS 84, in source order. It follows
// the source readers' error contract: (f, nil) a feature; (f, err) with f
// non-nil a bad record whose Geometry is nil (the stream goes on); (nil,
// err) the end of the stream, io.EOF when it ended well.
type Reader struct {
	ctx     context.Context // ends the stream when cancelled
	cancel  context.CancelFunc
	results chan batch
	tokens  chan struct{}
	wg      sync.WaitGroup
	pending map[int]batch
	next    int
	cur     batch
	pos     int
	done    error
	bound   orb.Bound // source-CRS bounds of the batches handed out
	bounded bool
	desc    string
	file    string
	limits  feature.Limits
	bad     int64 // bad records handed out
}

// Transformation describes the operation PROJ uses for this layer.
func (r *Reader) Transformation() string { return r.desc }

// Features opens the layer's features, reprojected to WGS 84 on
// Options.Workers goroutines. The reader must be closed.
func (l *Layer) Features(ctx context.Context) (*Reader, error) {
	src, err := l.Layer.Features()
	if err != nil {
		return nil, err
	}
	n := l.opts.workers()
	trs := make([]*crs.Transformer, n)
	for i := range trs {
		if trs[i], err = crs.NewTransformer(l.CRS); err != nil {
			src.Close()
			return nil, fmt.Errorf("ingest: %s: %w", l.Info().Source, err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Reader{
		ctx:     ctx,
		cancel:  cancel,
		results: make(chan batch, n),
		tokens:  make(chan struct{}, 4*n),
		pending: map[int]batch{},
		desc:    trs[0].Description(),
		file:    l.Info().Source,
		limits:  l.opts.Limits.OrDefault(),
	}
	jobs := make(chan batch, n)
	file := l.Info().Source
	r.wg.Add(1 + n)
	go func() {
		defer r.wg.Done()
		defer close(jobs)
		defer src.Close()
		r.produce(ctx, src, jobs)
	}()
	for i := 0; i < n; i++ {
		go func(tr *crs.Transformer) {
			defer r.wg.Done()
			for b := range jobs {
				project(tr, file, l.Assumed, r.limits, &b)
				select {
				case r.results <- b:
				case <-ctx.Done():
					return
				}
			}
		}(trs[i])
	}
	return r, nil
}

// produce reads the source in batches; a token bounds the batches in
// flight, so memory stays flat whatever the consumer's pace.
func (r *Reader) produce(ctx context.Context, src feature.Reader, jobs chan<- batch) {
	for seq := 0; ; seq++ {
		select {
		case r.tokens <- struct{}{}:
		case <-ctx.Done():
			return
		}
		b := batch{seq: seq, items: make([]item, 0, batchSize)}
		for len(b.items) < batchSize {
			f, err := src.Read()
			if f == nil {
				if err == nil {
					err = errors.New("ingest: source returned no feature and no error")
				}
				b.fatal = err
				break
			}
			b.items = append(b.items, item{f, err})
		}
		select {
		case jobs <- b:
		case <-ctx.Done():
			return
		}
		if b.fatal != nil {
			return
		}
	}
}

// project reprojects the batch's geometries in one PROJ call, falling back
// to one call per feature to name the feature that cannot be transformed.
// A feature with too many vertices, or whose coordinates are not finite
// longitude/latitude once reprojected, becomes a bad record: its geometry
// is dropped and its error says why, so inspect, export and build all
// treat it alike.
func project(tr *crs.Transformer, file string, checkDegrees bool, lim feature.Limits, b *batch) {
	bounds := make([]orb.Bound, len(b.items))
	for i := range b.items {
		it := &b.items[i]
		if it.f.Geometry == nil {
			continue
		}
		if n := vertices(it.f.Geometry); n > lim.Vertices {
			badRecord(it, feature.OverLimit(file, it.f.Row, lim.VerticesLimit(n), "the geometry has %d vertices", n))
			continue
		}
		bounds[i] = it.f.Geometry.Bound()
		if !plausible(bounds[i]) {
			badRecord(it, feature.Errorf(file, it.f.Row, "coordinates are not finite numbers of a plausible size (bounds %g,%g .. %g,%g)",
				bounds[i].Min[0], bounds[i].Min[1], bounds[i].Max[0], bounds[i].Max[1]))
		}
	}
	if checkDegrees {
		for i := range b.items {
			it := &b.items[i]
			if it.f.Geometry == nil {
				continue
			}
			if err := crs.CheckDegrees(file, bounds[i]); err != nil {
				b.items = b.items[:i]
				b.fatal = err
				break
			}
		}
	} else {
		transform(tr, file, b)
	}
	b.empty = true
	for i := range b.items {
		it := &b.items[i]
		if it.f.Geometry == nil {
			continue
		}
		if bb := it.f.Geometry.Bound(); !lonLat(bb) {
			badRecord(it, feature.Errorf(file, it.f.Row, "coordinates after reprojection are not longitude/latitude (bounds %g,%g .. %g,%g): is the CRS right? Son La data is usually --src-crs EPSG:9206",
				bb.Min[0], bb.Min[1], bb.Max[0], bb.Max[1]))
			continue
		}
		if b.empty {
			b.bound, b.empty = bounds[i], false
		} else {
			b.bound = b.bound.Union(bounds[i])
		}
	}
}

// transform reprojects the geometries of b's items in place.
func transform(tr *crs.Transformer, file string, b *batch) {
	gs := make([]orb.Geometry, 0, len(b.items))
	for _, it := range b.items {
		if it.f.Geometry != nil {
			gs = append(gs, it.f.Geometry)
		}
	}
	if err := tr.Geometries(gs); err == nil {
		k := 0
		for i := range b.items {
			if b.items[i].f.Geometry != nil {
				b.items[i].f.Geometry = gs[k]
				k++
			}
		}
		return
	}
	for i := range b.items {
		it := &b.items[i]
		if it.f.Geometry == nil {
			continue
		}
		g, err := tr.Geometry(it.f.Geometry)
		if err != nil {
			badRecord(it, &feature.Error{File: file, Record: it.f.Row, Reason: "cannot reproject to WGS 84", Err: err})
			continue
		}
		it.f.Geometry = g
	}
}

// badRecord drops the item's geometry; the first reason found is kept.
func badRecord(it *item, err error) {
	it.f.Geometry = nil
	if it.err == nil {
		it.err = err
	}
}

// maxCoordinate bounds source coordinates: projected metres of any CRS
// used on earth stay far below it, so larger values (1e308) are garbage
// that no transformation can place.
const maxCoordinate = 1e9

func plausible(b orb.Bound) bool {
	for _, v := range [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if !(v >= -maxCoordinate && v <= maxCoordinate) { // false for NaN too
			return false
		}
	}
	return true
}

// lonLat reports whether b is finite WGS 84 longitude/latitude.
func lonLat(b orb.Bound) bool {
	return b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90
}

// vertices counts the points of g.
func vertices(g orb.Geometry) int64 {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return int64(len(g))
	case orb.LineString:
		return int64(len(g))
	case orb.Ring:
		return int64(len(g))
	case orb.MultiLineString:
		var n int64
		for _, l := range g {
			n += int64(len(l))
		}
		return n
	case orb.Polygon:
		var n int64
		for _, r := range g {
			n += int64(len(r))
		}
		return n
	case orb.MultiPolygon:
		var n int64
		for _, p := range g {
			n += vertices(p)
		}
		return n
	case orb.Collection:
		var n int64
		for _, c := range g {
			n += vertices(c)
		}
		return n
	case orb.Bound:
		return 4
	}
	return 0
}

// Read returns the next feature in source order. After more than
// Limits.BadRecords bad records the stream stops with an error over that
// limit.
func (r *Reader) Read() (*feature.Feature, error) {
	for {
		if r.pos < len(r.cur.items) {
			it := r.cur.items[r.pos]
			r.cur.items[r.pos] = item{}
			r.pos++
			if it.err != nil {
				r.bad++
				if r.bad > r.limits.BadRecords {
					// Only a count is kept per bad record: a file of
					// millions of them costs no memory, and stops here.
					why := it.err.Error()
					if fe, ok := feature.AsError(it.err); ok {
						why = fe.Reason
					}
					r.done = feature.OverLimit(r.file, it.f.Row, r.limits.BadRecordLimit(r.bad),
						"more than %d bad records; this one: %s", r.limits.BadRecords, why)
					r.cur = batch{}
					return nil, r.done
				}
			}
			return it.f, it.err
		}
		if r.cur.fatal != nil {
			r.done = r.cur.fatal
		}
		if r.done != nil {
			return nil, r.done
		}
		b, ok := r.pending[r.next]
		for !ok {
			// The workers stop sending once the context ends: waiting on
			// the results alone would then wait forever.
			var got batch
			var open bool
			select {
			case got, open = <-r.results:
			case <-r.ctx.Done():
				r.done = r.ctx.Err()
				return nil, r.done
			}
			if !open {
				r.done = io.ErrUnexpectedEOF
				return nil, r.done
			}
			r.pending[got.seq] = got
			b, ok = r.pending[r.next]
		}
		delete(r.pending, r.next)
		r.next++
		<-r.tokens
		r.cur, r.pos = b, 0
		if !b.empty {
			if r.bounded {
				r.bound = r.bound.Union(b.bound)
			} else {
				r.bound, r.bounded = b.bound, true
			}
		}
	}
}

// SourceBound returns the bounds, in the source CRS, of the geometries read
// so far (at least those returned; possibly a few more of the same batch),
// and false when there were none. After io.EOF it covers the whole layer.
func (r *Reader) SourceBound() (orb.Bound, bool) { return r.bound, r.bounded }

// Close stops the pipeline and waits for its goroutines.
func (r *Reader) Close() error {
	r.cancel()
	go func() {
		for range r.results {
		}
	}()
	r.wg.Wait()
	close(r.results)
	return nil
}
