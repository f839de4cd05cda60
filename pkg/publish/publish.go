package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/geom"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/search"
	"github.com/sonla-gis/plantile/pkg/source/shapefile"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// InvalidPolicy is what Run does with a polygon whose rings cross or touch
// themselves, which MVT forbids.
type InvalidPolicy string

// The invalid-geometry policies: drop leaves the feature out and lists it
// in Result; fail refuses the whole version.
const (
	InvalidDrop InvalidPolicy = "drop"
	InvalidFail InvalidPolicy = "fail"
)

// ParseInvalidPolicy reads a policy name as given to --invalid; "" is drop.
func ParseInvalidPolicy(s string) (InvalidPolicy, error) {
	switch p := InvalidPolicy(s); p {
	case InvalidDrop, InvalidFail:
		return p, nil
	case "":
		return InvalidDrop, nil
	}
	return "", fmt.Errorf("publish: unknown invalid-geometry policy %q (want drop or fail)", s)
}

// The steps an Event names, in order.
const (
	StepRead  = "read"  // a source layer was read, validated, reprojected and indexed
	StepTile  = "tile"  // tiles built: Done of Total
	StepWrite = "write" // the version file is being written and committed
)

// Event is a progress report: Done of Total units of Step (layers for
// read, tiles for tile), with an optional message for people.
type Event struct {
	Step    string `json:"step"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message,omitempty"`
}

// Reason is one feature a policy left out or refused: the source file, the
// 1-based feature (record) number, 0 when the cause is not one feature,
// and the cause in words.
type Reason struct {
	File    string `json:"file"`
	Feature int64  `json:"feature"`
	Cause   string `json:"cause"`
}

// RefusedError is a version refused because of its input: a file that
// cannot be read or is not what it claims (a *feature.Error from the
// readers: a zip bomb, an unsafe entry, a wrong file type, a broken
// record), a source over MaxSourceBytes, mixed geometry types, an empty
// layer, features outside Vietnam, or a policy (InvalidFail,
// ingest.OutliersRefuse). Nothing was written. Reasons lists every
// offending feature known when the refusal was decided, at most
// MaxReasons of them (the last one then counts the others). Any other
// error of Run (I/O, a cancelled context) is not a RefusedError.
type RefusedError struct {
	Reasons []Reason
	Err     error // the first reason as an error (a *feature.Error when it is one feature)
}

func (e *RefusedError) Error() string {
	msg := "publish: " + e.Err.Error()
	if n := len(e.Reasons); n > 1 {
		msg += fmt.Sprintf(" (and %d more)", n-1)
	}
	return msg
}

func (e *RefusedError) Unwrap() error { return e.Err }

// MaxReasons is the most reasons a RefusedError lists: a layer read in
// the wrong CRS has every feature outside Vietnam, and a million reasons
// help nobody.
const MaxReasons = 1000

// refuse builds a RefusedError from reasons, capped at MaxReasons; err is
// the first reason as an error, made from it when nil.
func refuse(rs []Reason, err error) *RefusedError {
	if err == nil && len(rs) > 0 {
		err = errors.New(rs[0].String())
	}
	if n := len(rs); n > MaxReasons {
		last := rs[n-1]
		rs = append(rs[:MaxReasons-1:MaxReasons-1], Reason{File: last.File, Cause: fmt.Sprintf("and %d more features refused for the same kinds of reasons", n-MaxReasons+1)})
	}
	return &RefusedError{Reasons: rs, Err: err}
}

// String words a reason on one line: file, feature, cause.
func (r Reason) String() string {
	s := r.File
	if r.Feature > 0 {
		s += fmt.Sprintf(": record %d", r.Feature)
	}
	if s != "" {
		s += ": "
	}
	return s + r.Cause
}

// refusal makes a RefusedError of an error that blames the input: a
// *feature.Error (the readers' errors name the file and the record);
// other errors (I/O, a cancelled context) are wrapped as they are.
func refusal(err error) error {
	var re *RefusedError
	if errors.As(err, &re) {
		return err
	}
	if fe, ok := feature.AsError(err); ok {
		return &RefusedError{Reasons: []Reason{{File: fe.File, Feature: fe.Record, Cause: causeOf(fe)}}, Err: err}
	}
	return fmt.Errorf("publish: %w", err)
}

// causeOf words an error as a Reason's cause: a *feature.Error without
// its file and record (the Reason has them), any other error as it is.
func causeOf(err error) string {
	fe, ok := feature.AsError(err)
	if !ok {
		return err.Error()
	}
	cause := fe.Reason
	if fe.Err != nil {
		cause += ": " + fe.Err.Error()
	}
	return cause
}

// Request is one publish: the sources, where to write, and the policies.
// Start from Defaults; a zero Request is not valid (zooms, limits).
type Request struct {
	Sources []string // files, folders or zips, read with ingest.Open
	Names   []string // new layer names, one per source layer in order; none keeps the file names
	Out     string   // the MBTiles file to write, replaced atomically
	SrcCRS  string   // overrides .prj and GeoJSON crs
	// Encoding is the .dbf text encoding: any name --encoding takes
	// ("UTF-8", "windows-1258", "tcvn3", "vni", "windows-1252"...); ""
	// takes the .cpg, then the dBASE language driver, else detects it
	// from the text (TCVN3 and VNI included). An unknown name is refused
	// by Check.
	Encoding string
	Limits   feature.Limits

	Invalid  InvalidPolicy
	Outliers ingest.OutlierPolicy
	// RefuseOutside refuses the version when a feature lies outside
	// Vietnam (ingest.VietnamBound) once reprojected, whatever Outliers
	// says: almost always a wrong or missing CRS. PublishVersion sets it.
	RefuseOutside bool
	// RequireDBF refuses a shapefile set without its .dbf (its features
	// would have no attributes). PublishVersion sets it; build reads a
	// .shp alone.
	RequireDBF bool
	// MaxSourceBytes refuses a source holding more bytes (a file, or the
	// files of a folder) before anything is read; 0 for no cap. Uploads
	// set it to their upload cap.
	MaxSourceBytes int64

	MinZoom int
	MaxZoom int               // negative: from the data (0.5 m precision)
	Zooms   map[string][2]int // per-layer MIN, MAX overrides by layer name
	// Search names the searched fields of layers, by layer name, as
	// search.OptionsFor reads them ("FIELD", "FIELD:name", "FIELD:code");
	// an empty list leaves the layer out of search, a layer not named
	// keeps the heuristic. Written to the metadata row search.MetadataKey,
	// which the server reads.
	Search map[string][]string
	// Layers, when set, adjusts the tiler's layers once they are read and
	// their zooms set (e.g. Dissolve and DetailZoom, which need each
	// layer's schema); an error stops the publish.
	Layers func([]tiler.Layer) error

	Buffer          float64 // pixels of a 256-pixel tile; 0 for none
	MaxTileBytes    int
	MaxTileFeatures int
	Workers         int // 0: the number of CPUs
	MaxTiles        int
	// UnionMaxWork, UnionMaxEdges and UnionMaxValues bound the raster
	// union of overlapping zones per tile and layer (tiler.Options); 0:
	// the defaults.
	UnionMaxWork, UnionMaxEdges, UnionMaxValues int

	Name, Attribution, Description string // tileset metadata; Name defaults to Out's base name
	// Version is the version id stored in the file (mbtiles.VersionKey);
	// "" makes a new one.
	Version string

	// Logger receives warnings and per-layer notes; nil discards them.
	Logger *slog.Logger
}

// Defaults returns a Request with the default zooms, policies and limits.
func Defaults() Request {
	return Request{
		Invalid:         InvalidDrop,
		Outliers:        ingest.OutliersReport,
		MinZoom:         tiler.DefaultMinZoom,
		MaxZoom:         -1,
		Buffer:          tiler.DefaultBuffer,
		MaxTileBytes:    tiler.DefaultMaxTileBytes,
		MaxTileFeatures: tiler.DefaultMaxTileFeatures,
		MaxTiles:        tiler.DefaultMaxTiles,
		Limits:          feature.DefaultLimits(),
	}
}

// Layer is one source layer as published.
type Layer struct {
	Name     string
	Info     feature.LayerInfo
	CRS      string // the source CRS and how it was found, for people
	Features int
	MinZoom  int
	MaxZoom  int
	Read     time.Duration
	// Dissolve is the field merging the layer's polygons into zones below
	// DetailZoom ("" for none), as the tiler was given it.
	Dissolve   string
	DetailZoom int
	// Search is the searched fields given by Request.Search; nil when the
	// server chooses them by the heuristic.
	Search  *search.Options
	Data    *index.Layer
	Dropped []Reason // features left out by InvalidDrop
	// Bad lists the bad records (a shape that cannot be read, coordinates
	// that cannot be placed), kept without their geometry: at most
	// MaxReasons of them.
	Bad       []Reason
	Outliers  ingest.OutlierReport
	rows      []int64 // rows[i] is the record number of index feature i
	sourceCRS string
}

// Result is a written version.
type Result struct {
	Out      string
	Version  string
	Layers   []*Layer
	Bounds   orb.Bound
	Tiles    tiler.Stats
	Written  mbtiles.Stats
	Oversize []string // features alone over the tile size limit, described
	Took     time.Duration
	Tiling   time.Duration
}

// FeatureCount is the number of features written, over all layers.
func (r *Result) FeatureCount() int64 {
	var n int64
	for _, l := range r.Layers {
		n += int64(l.Features)
	}
	return n
}

// SourceCRS is the CRS of the first layer with one, as the catalog
// records it.
func (r *Result) SourceCRS() string {
	for _, l := range r.Layers {
		if l.sourceCRS != "" {
			return l.sourceCRS
		}
	}
	return ""
}

// Check refuses a Request out of range before any work.
func (q Request) Check() error {
	switch {
	case q.Out == "":
		return errors.New("publish: no output file")
	case len(q.Sources) == 0:
		return errors.New("publish: no source")
	case q.MinZoom < 0 || q.MinZoom > 24 || q.MaxZoom > 24 || (q.MaxZoom >= 0 && q.MaxZoom < q.MinZoom):
		return fmt.Errorf("publish: bad zoom range %d..%d (0 to 24)", q.MinZoom, q.MaxZoom)
	case q.Invalid != InvalidDrop && q.Invalid != InvalidFail:
		return fmt.Errorf("publish: invalid-geometry policy %q: want drop or fail", q.Invalid)
	}
	if _, err := ingest.ParseOutlierPolicy(string(q.Outliers)); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if q.Encoding != "" {
		if _, err := shapefile.LookupEncoding(q.Encoding); err != nil {
			// The uploader's word, not the operator's: a refusal.
			return refuse([]Reason{{Cause: fmt.Sprintf("the encoding named for the .dbf (--encoding, or an upload's encoding), %q, is unknown: name one of UTF-8, windows-1258, tcvn3, vni, or another code page, or leave it out to have it detected", clip(q.Encoding))}}, nil)
		}
	}
	return nil
}

// Run publishes the sources of q into q.Out, calling progress (which may
// be nil) as steps advance. A version refused by a policy is a
// *RefusedError; nothing is written then, nor on any other error.
func Run(ctx context.Context, q Request, progress func(Event)) (*Result, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	if q.Outliers == "" {
		q.Outliers = ingest.OutliersReport
	}
	if err := mbtiles.CheckTarget(q.Out); err != nil { // before reading for minutes
		return nil, fmt.Errorf("publish: %w", err)
	}
	if progress == nil {
		progress = func(Event) {}
	}
	logger := q.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	if err := q.checkInput(); err != nil {
		return nil, err
	}
	var found []*ingest.Layer
	for _, src := range q.Sources {
		ls, err := ingest.Open(src, ingest.Options{SrcCRS: q.SrcCRS, Encoding: q.Encoding, Workers: q.Workers, Limits: q.Limits, RequireDBF: q.RequireDBF})
		if err != nil {
			return nil, refusal(err)
		}
		if len(ls) == 0 {
			return nil, refuse([]Reason{{File: src, Cause: "no layer found"}}, nil)
		}
		found = append(found, ls...)
	}
	if len(q.Names) > 0 && len(q.Names) != len(found) {
		return nil, fmt.Errorf("publish: %d layer names (--layer) for %d source layers", len(q.Names), len(found))
	}
	res := &Result{Out: q.Out}
	names := map[string]bool{}
	for i, sl := range found {
		info := sl.Info()
		name := info.Name
		if len(q.Names) > 0 {
			name = q.Names[i]
		}
		if names[name] {
			return nil, refuse([]Reason{{File: info.Source, Cause: fmt.Sprintf("two layers are named %q: one source may hold several layers (one per shapefile set), but each needs its own name; rename one", name)}}, nil)
		}
		names[name] = true
		t0 := time.Now()
		bl, err := readLayer(ctx, sl, name, q, logger)
		if err != nil {
			return nil, err
		}
		bl.Read = time.Since(t0)
		logger.Info("layer read", "layer", name, "source", info.Source, "features", bl.Data.Len(),
			"crs", bl.CRS, "bytes_per_feature", int(bl.Data.MemoryPerFeature()), "took", bl.Read.Round(time.Millisecond))
		for _, w := range info.Warnings {
			logger.Warn("layer warning", "layer", name, "warning", w)
		}
		res.Layers = append(res.Layers, bl)
		progress(Event{Step: StepRead, Done: i + 1, Total: len(found), Message: name})
	}
	for name := range q.Zooms {
		if !names[name] {
			return nil, fmt.Errorf("publish: --zoom names unknown layer %q", name)
		}
	}
	searchRow, err := searchConfig(q.Search, res.Layers, names)
	if err != nil {
		return nil, err
	}

	// Zooms, then the tiler.
	var tl []tiler.Layer
	seen := false
	for _, bl := range res.Layers {
		if bl.Data.Len() == 0 || bl.Data.Bounds() == (orb.Bound{}) {
			continue // no geometry
		}
		if b := bl.Data.Bounds(); seen {
			res.Bounds = res.Bounds.Union(b)
		} else {
			res.Bounds, seen = b, true
		}
	}
	for _, bl := range res.Layers {
		bl.MinZoom, bl.MaxZoom = q.MinZoom, q.MaxZoom
		if bl.MaxZoom < 0 {
			bl.MaxZoom = tiler.DefaultMaxZoom(res.Bounds, 0, 0, bl.MinZoom)
		}
		if z, ok := q.Zooms[bl.Name]; ok {
			bl.MinZoom, bl.MaxZoom = z[0], z[1]
		}
		tl = append(tl, tiler.Layer{Name: bl.Name, Data: bl.Data, MinZoom: bl.MinZoom, MaxZoom: bl.MaxZoom})
	}
	if q.Layers != nil {
		if err := q.Layers(tl); err != nil {
			return nil, err
		}
	}
	for i, l := range tl {
		res.Layers[i].Dissolve, res.Layers[i].DetailZoom = l.Dissolve, l.DetailZoom
	}
	buffer := q.Buffer
	if buffer == 0 {
		buffer = -1 // tiler.Options: 0 means the default, negative none
	}
	t, err := tiler.New(tl, tiler.Options{Buffer: buffer, MaxTileBytes: q.MaxTileBytes, MaxTileFeatures: q.MaxTileFeatures, Workers: q.Workers, MaxTiles: q.MaxTiles,
		UnionMaxWork: q.UnionMaxWork, UnionMaxEdges: q.UnionMaxEdges, UnionMaxValues: q.UnionMaxValues})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	// The tiler checks the rings again in Web Mercator, where tiles are
	// drawn, and leaves out what fails there.
	var refused []Reason
	var firstErr error
	for _, sk := range t.Skipped() {
		for _, bl := range res.Layers {
			if bl.Name == sk.Layer && sk.Index < len(bl.rows) {
				r := Reason{File: bl.Info.Source, Feature: bl.rows[sk.Index], Cause: sk.Err.Error()}
				if q.Invalid == InvalidFail {
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: record %d: %w (invalid-geometry policy fail)", bl.Info.Source, bl.rows[sk.Index], sk.Err)
					}
					r.Cause += " (invalid-geometry policy fail)"
					refused = append(refused, r)
					continue
				}
				bl.Dropped = append(bl.Dropped, r)
			}
		}
	}
	if firstErr != nil {
		return nil, refuse(refused, firstErr)
	}
	zmin, zmax := t.ZoomRange()

	if dir := filepath.Dir(q.Out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	w, err := mbtiles.Create(q.Out)
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()

	tileStart := time.Now()
	stats, err := t.Run(ctx, func(tile tiler.Tile) error {
		return w.PutTileGzipped(tile.Z, tile.X, tile.Y, tile.Data)
	}, func(done, total int) { progress(Event{Step: StepTile, Done: done, Total: total}) })
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	res.Tiles = stats
	res.Tiling = time.Since(tileStart)
	for _, o := range stats.Oversize {
		res.Oversize = append(res.Oversize, describeOversize(res.Layers, o))
	}
	if err := checkWritten(res); err != nil {
		return nil, err
	}
	progress(Event{Step: StepWrite, Done: 0, Total: 1})

	name := q.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(q.Out), filepath.Ext(q.Out))
	}
	b := res.Bounds
	meta := mbtiles.Metadata{
		Name:        name,
		Format:      mbtiles.FormatPBF,
		Bounds:      b,
		Center:      mbtiles.Center{Lon: b.Center()[0], Lat: b.Center()[1], Zoom: min(zmax, zmin+2)},
		MinZoom:     zmin,
		MaxZoom:     zmax,
		Attribution: q.Attribution,
		Description: q.Description,
	}
	if meta.Description == "" {
		// Base names only: the metadata is published (TileJSON), the
		// build machine's directories are nobody's business.
		bases := make([]string, len(q.Sources))
		for i, src := range q.Sources {
			bases[i] = filepath.Base(src)
		}
		meta.Description = "Built by plantile from " + strings.Join(bases, ", ")
	}
	for _, bl := range res.Layers {
		meta.VectorLayers = append(meta.VectorLayers, vectorLayer(bl))
		// The exact features go with the tiles: one file, one version.
		if err := w.PutFeatures(bl.Data); err != nil {
			return nil, fmt.Errorf("publish: %w", err)
		}
	}
	res.Version = q.Version
	if res.Version == "" {
		res.Version = mbtiles.NewVersion()
	}
	meta.Extra = map[string]string{mbtiles.VersionKey: res.Version}
	if searchRow != "" {
		meta.Extra[search.MetadataKey] = searchRow
	}
	w.SetMetadata(meta)
	res.Written = w.Stats()
	if err := w.Commit(); err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	committed = true
	res.Took = time.Since(start)
	progress(Event{Step: StepWrite, Done: 1, Total: 1})
	return res, nil
}

// readLayer reads one source layer, in WGS 84, into the index. Bad records
// (a broken shape) are kept without geometry and reported, as inspect does.
// Self-intersecting polygons are dropped and listed (InvalidDrop) or refuse
// the version (InvalidFail); outliers are found in the same pass. A layer
// whose geometries are not of one kind (see kinds), or holding no feature
// with a geometry, is refused; so are features outside Vietnam with
// RefuseOutside.
func readLayer(ctx context.Context, sl *ingest.Layer, name string, q Request, log *slog.Logger) (*Layer, error) {
	info := sl.Info()
	r, err := sl.Features(ctx)
	if err != nil {
		return nil, refusal(err)
	}
	defer r.Close()
	info.Name = name
	b := index.NewBuilder(info)
	var rows []int64
	var dropped, refused []Reason
	var firstErr error
	var od *ingest.OutlierDetector
	if q.Outliers != ingest.OutliersKeep || q.RefuseOutside {
		od = ingest.NewOutlierDetector(info.Source)
	}
	var c contents
	for {
		ft, err := r.Read()
		if ft == nil {
			if err == io.EOF {
				break
			}
			return nil, refusal(err)
		}
		c.read++
		if err != nil {
			if c.bad < 5 {
				log.Warn("bad record kept without geometry", "layer", name, "error", err)
			}
			c.badRecord(info.Source, ft.Row, err)
		}
		if ft.Geometry == nil {
			c.null++
		} else if !c.add(ft.Row, ft.Geometry) {
			continue // a GeometryCollection: refused below
		}
		if ft.Geometry != nil {
			if err := geom.CheckPolygon(ft.Geometry); err != nil {
				reason := Reason{File: info.Source, Feature: ft.Row, Cause: err.Error()}
				if q.Invalid == InvalidFail {
					if firstErr == nil {
						firstErr = fmt.Errorf("%s: record %d: %w (invalid-geometry policy fail)", info.Source, ft.Row, err)
					}
					reason.Cause += " (invalid-geometry policy fail)"
					refused = append(refused, reason)
					continue
				}
				log.Warn("invalid polygon dropped", "layer", name, "record", ft.Row, "error", err)
				dropped = append(dropped, reason)
				continue
			}
		}
		if od != nil {
			od.Add(ft)
		}
		rows = append(rows, ft.Row)
		if err := b.Add(ft); err != nil {
			return nil, fmt.Errorf("publish: %s: %w", info.Source, err)
		}
		if ft.Geometry != nil {
			c.geoms++
		}
	}
	if rs := c.refusals(info.Source); len(rs) > 0 {
		return nil, refuse(rs, nil)
	}
	if firstErr != nil {
		return nil, refuse(refused, firstErr)
	}
	if c.bad > 0 {
		log.Warn("bad records", "layer", name, "count", c.bad)
	}
	l := &Layer{Name: name, Info: info, Data: b.Layer(), rows: rows, Dropped: dropped, Bad: c.badReasons}
	l.Features = l.Data.Len()
	if err := c.empty(info.Source, l); err != nil {
		return nil, err
	}
	if od != nil {
		l.Outliers = od.Result(-1)
		if err := refuseOutliers(l, q); err != nil {
			return nil, err
		}
		if q.Outliers == ingest.OutliersKeep {
			l.Outliers = ingest.OutlierReport{File: info.Source}
		}
		if l.Outliers.Total > 0 {
			log.Warn("outliers", "layer", name, "count", l.Outliers.Total, "hint", l.Outliers.Hint)
		}
	}
	l.CRS = sl.CRS.String() + " (" + sl.CRSFrom + ")"
	l.sourceCRS = sl.CRS.String()
	if t := sl.CRS.Transformation; t != "" {
		l.CRS += " via " + t
	} else if t := r.Transformation(); t != "" {
		l.CRS += " via " + t
	}
	return l, nil
}

// vectorLayer describes a layer for the MBTiles json metadata, with the
// field types TileJSON uses.
func vectorLayer(bl *Layer) mbtiles.VectorLayer {
	fields := map[string]string{}
	for _, fd := range bl.Data.Schema().Fields {
		switch fd.Type {
		case feature.Int, feature.Float:
			fields[fd.Name] = "Number"
		case feature.Bool:
			fields[fd.Name] = "Boolean"
		default:
			fields[fd.Name] = "String"
		}
	}
	desc := bl.Info.GeometryType
	if bl.Info.Source != "" {
		desc += " from " + sourceBase(bl.Info.Source)
	}
	return mbtiles.VectorLayer{ID: bl.Name, Description: strings.TrimSpace(desc), MinZoom: bl.MinZoom, MaxZoom: bl.MaxZoom, Fields: fields}
}

// sourceBase shortens a layer source to what may be published: the file
// name, or archive.zip/member for a member of a zip archive.
func sourceBase(src string) string {
	dir, file := filepath.Split(src)
	if parent := filepath.Base(filepath.Clean(dir)); strings.HasSuffix(strings.ToLower(parent), ".zip") {
		return parent + "/" + file
	}
	return file
}

// checkWritten fails a publish that wrote no tile although its layers have
// features, saying why the features were left out.
func checkWritten(res *Result) error {
	tiles, features := 0, 0
	for _, zs := range res.Tiles.Zooms {
		tiles += zs.Tiles
	}
	for _, bl := range res.Layers {
		features += bl.Data.Len()
	}
	if tiles > 0 || features == 0 {
		return nil
	}
	msg := fmt.Sprintf("publish: no tile written from %d features", features)
	for _, o := range res.Oversize {
		msg += "; " + o
	}
	for _, bl := range res.Layers {
		for _, r := range bl.Dropped {
			msg += fmt.Sprintf("; layer %s record %d dropped: %s", bl.Name, r.Feature, r.Cause)
		}
	}
	return errors.New(msg)
}

func describeOversize(layers []*Layer, o tiler.Oversize) string {
	rec := "id " + strconv.FormatUint(o.ID, 10)
	for _, bl := range layers {
		if bl.Name == o.Layer && o.Index < len(bl.rows) {
			rec = "record " + strconv.FormatInt(bl.rows[o.Index], 10)
		}
	}
	return fmt.Sprintf("layer %s %s alone makes a %d-byte tile (in %d tiles, e.g. %d/%d/%d), over --max-tile-bytes %d: it is left out of them",
		o.Layer, rec, o.Bytes, o.Tiles, o.At[0], o.At[1], o.At[2], o.Limit)
}

// searchConfig checks the searched fields of each layer named by spec,
// sets the layers' Search, and returns the value of the metadata row
// search.MetadataKey ("" when spec is empty).
func searchConfig(spec map[string][]string, layers []*Layer, names map[string]bool) (string, error) {
	if len(spec) == 0 {
		return "", nil
	}
	for name := range spec {
		if !names[name] {
			return "", fmt.Errorf("publish: --search names unknown layer %q", name)
		}
	}
	cfg := map[string]search.Options{}
	for _, bl := range layers {
		fields, ok := spec[bl.Name]
		if !ok {
			continue
		}
		o, err := search.OptionsFor(bl.Data, fields)
		if err != nil {
			return "", fmt.Errorf("publish: --search: %w", err)
		}
		bl.Search = &o
		cfg[bl.Name] = o
	}
	b, err := json.Marshal(cfg) // map keys sorted: the same row for the same flags
	if err != nil {
		return "", fmt.Errorf("publish: --search: %w", err)
	}
	return string(b), nil
}
