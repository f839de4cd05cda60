package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/geom"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/tiler"
)

// buildFlags are the options of `plantile build`.
type buildFlags struct {
	out             string
	layers          []string // new names, one per source layer in order
	zooms           []string // NAME=MIN-MAX overrides
	dissolve        []string // NAME=FIELD overrides
	detailZooms     []string // NAME=ZOOM overrides
	mergeLines      []string // NAME=FIELD,... overrides
	thin            []string // NAME=PX[:RANK] overrides
	minZoom         int
	maxZoom         int
	srcCRS          string
	encoding        string
	buffer          float64
	maxTileBytes    int
	maxTileFeatures int
	name            string
	attribution     string
	description     string
	workers         int
	maxTiles        int
	invalid         string // what to do with a self-intersecting polygon: drop or fail
	quiet           bool
	cpuProfile      string
	limits          feature.Limits
}

func newBuildCmd() *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build SRC... -o tiles/NAME.mbtiles",
		Short: "Build vector tiles from shapefiles and GeoJSON into MBTiles",
		Long: `Build reads every layer of the sources (shapefiles, folders, zips, GeoJSON),
moves them to WGS 84 (from each layer's .prj or GeoJSON crs, or --src-crs),
and writes one MVT layer per source layer into an MBTiles file, replaced
atomically when the build succeeds.

Zooms: --minzoom defaults to 8; --maxzoom defaults to the zoom where one tile
unit (1/4096 of a tile) is at most 0.5 m at the data's latitude, capped at 16
(15 for Son La). --zoom NAME=MIN-MAX overrides them for one layer.`,
		Example: `  plantile build quy_hoach.shp -o tiles/quy_hoach.mbtiles --src-crs EPSG:9206
  plantile build thua_dat.shp ranh_gioi.geojson --layer parcels --layer boundaries -o tiles/sonla.mbtiles`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd.Context(), args, f, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.out, "output", "o", "", "MBTiles file to write (required)")
	fl.StringArrayVar(&f.layers, "layer", nil, "name of the MVT layer, once per source layer in order (default: the file name)")
	fl.StringArrayVar(&f.zooms, "zoom", nil, "zoom range of one layer, NAME=MIN-MAX (repeatable)")
	fl.StringArrayVar(&f.dissolve, "dissolve", nil, "merge a polygon layer's neighbours sharing FIELD into zones below its detail zoom, NAME=FIELD; NAME=none turns it off (default: the land-use code field of styles/landuse.json, when the layer has it)")
	fl.StringArrayVar(&f.mergeLines, "merge-lines", nil, "below a line layer's max zoom, draw the lines sharing these fields' values as one feature per tile, chained end to end, NAME=FIELD[,FIELD...]; NAME=none turns it off (default: the layer's name field, ten_duong/ten/name, and class field, cap_duong/loai/class)")
	fl.StringArrayVar(&f.thin, "thin", nil, "below a point layer's max zoom, leave out points closer than PIXELS to a higher ranked one (RANKFIELD, greater first, then the more isolated), NAME=PIXELS[:RANKFIELD]; 0 keeps every point (default 12 for point layers)")
	fl.StringArrayVar(&f.detailZooms, "detail-zoom", nil, "lowest zoom drawing a dissolved layer's polygons one by one, NAME=ZOOM (default: where the median polygon covers 4x4 pixels)")
	fl.IntVar(&f.minZoom, "minzoom", tiler.DefaultMinZoom, "lowest zoom")
	fl.IntVar(&f.maxZoom, "maxzoom", -1, "highest zoom (default: from the data, 0.5 m precision, at most 16)")
	fl.StringVar(&f.srcCRS, "src-crs", "", "CRS of the sources, overriding .prj and GeoJSON crs (e.g. EPSG:9206)")
	fl.StringVar(&f.encoding, "encoding", "", "text encoding of .dbf attributes (UTF-8, windows-1258, tcvn3, vni, windows-1252...; default: .cpg, then the dBASE LDID, then detected from the text)")
	fl.Float64Var(&f.buffer, "buffer", tiler.DefaultBuffer, fmt.Sprintf("tile buffer in pixels of a 256-pixel tile, 0 to %d", tiler.MaxBuffer))
	fl.IntVar(&f.maxTileBytes, "max-tile-bytes", tiler.DefaultMaxTileBytes, fmt.Sprintf("largest gzipped tile, %d to %d; smaller features are dropped beyond it", tiler.MinMaxTileBytes, tiler.MaxMaxTileBytes))
	fl.IntVar(&f.maxTileFeatures, "max-tile-features", tiler.DefaultMaxTileFeatures, fmt.Sprintf("most features in a tile, 1 to %d", tiler.MaxMaxTileFeatures))
	fl.StringVar(&f.name, "name", "", "tileset name (default: the output file name)")
	fl.StringVar(&f.attribution, "attribution", "", "attribution shown by map clients")
	fl.StringVar(&f.description, "description", "", "tileset description")
	fl.IntVar(&f.workers, "workers", 0, fmt.Sprintf("tiles built in parallel, at most %d (default: the number of CPUs)", tiler.MaxWorkers))
	fl.IntVar(&f.maxTiles, "max-tiles", tiler.DefaultMaxTiles, "most tiles a build may write, counted before tiling starts")
	fl.StringVar(&f.invalid, "invalid", "drop", "self-intersecting polygons: drop (report them in the summary) or fail")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file")
	fl.MarkHidden("cpuprofile")
	addLimitFlags(fl, &f.limits)
	return cmd
}

// builtLayer is a source layer read into the index.
type builtLayer struct {
	name   string
	info   feature.LayerInfo
	crs    string
	data   *index.Layer
	zmin   int
	zmax   int
	reader time.Duration
	// dissolve is the field merging polygons into zones below detailZoom
	// ("" for none).
	dissolve   string
	detailZoom int
	// rows[i] is the record number of index feature i, for reports.
	rows []int64
	// refused lists the features left out for an invalid geometry.
	refused []refusal
}

// refusal is a feature left out of the index.
type refusal struct {
	row int64
	err error
}

func runBuild(ctx context.Context, srcs []string, f buildFlags, stdout, stderr io.Writer) error {
	if err := checkBuildFlags(f); err != nil {
		return err
	}
	if err := mbtiles.CheckTarget(f.out); err != nil { // before reading for minutes
		return fmt.Errorf("build: %w", err)
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return fmt.Errorf("build: %w", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("build: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	zoomOverride, err := parseZooms(f.zooms)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The index is one large live heap that only grows while reading:
		// collecting at +50% instead of +100% cuts peak RSS by a fifth
		// (1.2 GB to 0.94 GB for a million parcels) for about 4% more time.
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if f.quiet {
		logger = discardLogger()
	}
	start := time.Now()
	var found []*ingest.Layer
	for _, src := range srcs {
		ls, err := ingest.Open(src, ingest.Options{SrcCRS: f.srcCRS, Encoding: f.encoding, Workers: f.workers, Limits: f.limits})
		if err != nil {
			return fmt.Errorf("build: %w", err)
		}
		if len(ls) == 0 {
			return fmt.Errorf("build: %s: no layer found", src)
		}
		found = append(found, ls...)
	}
	if len(f.layers) > 0 && len(f.layers) != len(found) {
		return fmt.Errorf("build: %d --layer names for %d source layers", len(f.layers), len(found))
	}
	var layers []*builtLayer
	names := map[string]bool{}
	for i, sl := range found {
		info := sl.Info()
		name := info.Name
		if len(f.layers) > 0 {
			name = f.layers[i]
		}
		if names[name] {
			return fmt.Errorf("build: two layers named %q: rename them with --layer", name)
		}
		names[name] = true
		t0 := time.Now()
		bl, err := readLayer(ctx, sl, name, f.invalid, logger)
		if err != nil {
			return err
		}
		bl.reader = time.Since(t0)
		logger.Info("layer read", "layer", name, "source", info.Source, "features", bl.data.Len(),
			"crs", bl.crs, "bytes_per_feature", int(bl.data.MemoryPerFeature()), "took", bl.reader.Round(time.Millisecond))
		for _, w := range info.Warnings {
			logger.Warn("layer warning", "layer", name, "warning", w)
		}
		layers = append(layers, bl)
	}
	for name := range zoomOverride {
		if !names[name] {
			return fmt.Errorf("build: --zoom names unknown layer %q", name)
		}
	}

	// Zooms, then the tiler.
	var tl []tiler.Layer
	var bounds orb.Bound
	seen := false
	for _, bl := range layers {
		if bl.data.Len() == 0 || bl.data.Bounds() == (orb.Bound{}) {
			continue // no geometry
		}
		if b := bl.data.Bounds(); seen {
			bounds = bounds.Union(b)
		} else {
			bounds, seen = b, true
		}
	}
	for _, bl := range layers {
		bl.zmin, bl.zmax = f.minZoom, f.maxZoom
		if bl.zmax < 0 {
			bl.zmax = tiler.DefaultMaxZoom(bounds, 0, 0, bl.zmin)
		}
		if z, ok := zoomOverride[bl.name]; ok {
			bl.zmin, bl.zmax = z[0], z[1]
		}
		tl = append(tl, tiler.Layer{Name: bl.name, Data: bl.data, MinZoom: bl.zmin, MaxZoom: bl.zmax})
	}
	if err := setDissolve(tl, f.dissolve, f.detailZooms, f.mergeLines, f.thin); err != nil {
		return err
	}
	for i, l := range tl {
		layers[i].dissolve, layers[i].detailZoom = l.Dissolve, l.DetailZoom
	}
	buffer := f.buffer
	if buffer == 0 {
		buffer = -1 // tiler.Options: 0 means the default, negative none
	}
	t, err := tiler.New(tl, tiler.Options{Buffer: buffer, MaxTileBytes: f.maxTileBytes, MaxTileFeatures: f.maxTileFeatures, Workers: f.workers, MaxTiles: f.maxTiles})
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	// The tiler checks the rings again in Web Mercator, where tiles are
	// drawn, and leaves out what fails there.
	for _, sk := range t.Skipped() {
		for _, bl := range layers {
			if bl.name == sk.Layer && sk.Index < len(bl.rows) {
				if f.invalid == "fail" {
					return fmt.Errorf("build: %s: record %d: %w (--invalid fail)", bl.info.Source, bl.rows[sk.Index], sk.Err)
				}
				bl.refused = append(bl.refused, refusal{row: bl.rows[sk.Index], err: sk.Err})
			}
		}
	}
	zmin, zmax := t.ZoomRange()

	if dir := filepath.Dir(f.out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	w, err := mbtiles.Create(f.out)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()

	progress := newProgress(stderr, f.quiet, logger)
	tileStart := time.Now()
	stats, err := t.Run(ctx, func(tile tiler.Tile) error {
		return w.PutTileGzipped(tile.Z, tile.X, tile.Y, tile.Data)
	}, progress.update)
	progress.finish()
	if errors.Is(err, tiler.ErrTooManyTiles) {
		return fmt.Errorf("build: %w; raise --max-tiles (now %d), lower --maxzoom, or fix the feature", err, f.maxTiles)
	}
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	tileTime := time.Since(tileStart)
	if err := checkWritten(layers, stats); err != nil {
		return err
	}

	name := f.name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(f.out), filepath.Ext(f.out))
	}
	meta := mbtiles.Metadata{
		Name:        name,
		Format:      mbtiles.FormatPBF,
		Bounds:      bounds,
		Center:      mbtiles.Center{Lon: bounds.Center()[0], Lat: bounds.Center()[1], Zoom: min(zmax, zmin+2)},
		MinZoom:     zmin,
		MaxZoom:     zmax,
		Attribution: f.attribution,
		Description: f.description,
	}
	if meta.Description == "" {
		// Base names only: the metadata is published (TileJSON), the
		// build machine's directories are nobody's business.
		bases := make([]string, len(srcs))
		for i, src := range srcs {
			bases[i] = filepath.Base(src)
		}
		meta.Description = "Built by plantile from " + strings.Join(bases, ", ")
	}
	for _, bl := range layers {
		meta.VectorLayers = append(meta.VectorLayers, vectorLayer(bl))
		// The exact features go with the tiles: one file, one version.
		if err := w.PutFeatures(bl.data); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	meta.Extra = map[string]string{mbtiles.VersionKey: mbtiles.NewVersion()}
	w.SetMetadata(meta)
	ws := w.Stats()
	if err := w.Commit(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	committed = true
	printSummary(stdout, f.out, layers, stats, ws, time.Since(start), tileTime)
	return nil
}

// checkBuildFlags refuses flags out of range, before any work, with the
// flag's name and its range.
func checkBuildFlags(f buildFlags) error {
	switch {
	case f.out == "":
		return errors.New("build: --output (-o) is required")
	case f.minZoom < 0 || f.minZoom > 24 || f.maxZoom > 24 || (f.maxZoom >= 0 && f.maxZoom < f.minZoom):
		return fmt.Errorf("build: bad zoom range %d..%d (--minzoom, --maxzoom: 0 to 24)", f.minZoom, f.maxZoom)
	case math.IsNaN(f.buffer) || f.buffer < 0 || f.buffer > tiler.MaxBuffer:
		return fmt.Errorf("build: --buffer %g: want 0 to %d pixels", f.buffer, tiler.MaxBuffer)
	case f.workers < 0 || f.workers > tiler.MaxWorkers:
		return fmt.Errorf("build: --workers %d: want 1 to %d, or 0 for the number of CPUs", f.workers, tiler.MaxWorkers)
	case f.maxTileBytes < tiler.MinMaxTileBytes || f.maxTileBytes > tiler.MaxMaxTileBytes:
		return fmt.Errorf("build: --max-tile-bytes %d: want %d to %d", f.maxTileBytes, tiler.MinMaxTileBytes, tiler.MaxMaxTileBytes)
	case f.maxTileFeatures < 1 || f.maxTileFeatures > tiler.MaxMaxTileFeatures:
		return fmt.Errorf("build: --max-tile-features %d: want 1 to %d", f.maxTileFeatures, tiler.MaxMaxTileFeatures)
	case f.maxTiles < 1 || int64(f.maxTiles) > tiler.MaxMaxTiles:
		return fmt.Errorf("build: --max-tiles %d: want 1 to %d", f.maxTiles, int64(tiler.MaxMaxTiles))
	case f.invalid != "drop" && f.invalid != "fail":
		return fmt.Errorf("build: --invalid %q: want drop or fail", f.invalid)
	}
	return nil
}

// readLayer reads one source layer, in WGS 84, into the index. Bad records
// (a broken shape) are kept without geometry and reported, as inspect does.
//
// Polygons whose rings cross or touch themselves, which MVT forbids, are
// dropped and listed (invalid "drop") or fail the build ("fail").
func readLayer(ctx context.Context, sl *ingest.Layer, name, invalid string, log *slog.Logger) (*builtLayer, error) {
	info := sl.Info()
	r, err := sl.Features(ctx)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer r.Close()
	info.Name = name
	b := index.NewBuilder(info)
	bad := 0
	var rows []int64
	var refused []refusal
	for {
		ft, err := r.Read()
		if ft == nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("build: %w", err)
		}
		if err != nil {
			if bad < 5 {
				log.Warn("bad record kept without geometry", "layer", name, "error", err)
			}
			bad++
		}
		if ft.Geometry != nil {
			if err := geom.CheckPolygon(ft.Geometry); err != nil {
				if invalid == "fail" {
					return nil, fmt.Errorf("build: %s: record %d: %w (--invalid fail)", info.Source, ft.Row, err)
				}
				log.Warn("invalid polygon dropped", "layer", name, "record", ft.Row, "error", err)
				refused = append(refused, refusal{row: ft.Row, err: err})
				continue
			}
		}
		rows = append(rows, ft.Row)
		if err := b.Add(ft); err != nil {
			return nil, fmt.Errorf("build: %s: %w", info.Source, err)
		}
	}
	if bad > 0 {
		log.Warn("bad records", "layer", name, "count", bad)
	}
	desc := sl.CRS.String() + " (" + sl.CRSFrom + ")"
	if t := sl.CRS.Transformation; t != "" {
		desc += " via " + t
	} else if t := r.Transformation(); t != "" {
		desc += " via " + t
	}
	return &builtLayer{name: name, info: info, crs: desc, data: b.Layer(), rows: rows, refused: refused}, nil
}

// parseZooms reads NAME=MIN-MAX overrides.
func parseZooms(specs []string) (map[string][2]int, error) {
	out := map[string][2]int{}
	for _, s := range specs {
		name, rng, ok := strings.Cut(s, "=")
		lo, hi, ok2 := strings.Cut(rng, "-")
		if !ok || !ok2 || name == "" {
			return nil, fmt.Errorf("build: --zoom %q: want NAME=MIN-MAX", s)
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 0 || b > 24 || a > b {
			return nil, fmt.Errorf("build: --zoom %q: want NAME=MIN-MAX with 0 <= MIN <= MAX <= 24", s)
		}
		out[name] = [2]int{a, b}
	}
	return out, nil
}

// vectorLayer describes a layer for the MBTiles json metadata, with the
// field types TileJSON uses.
func vectorLayer(bl *builtLayer) mbtiles.VectorLayer {
	fields := map[string]string{}
	for _, fd := range bl.data.Schema().Fields {
		switch fd.Type {
		case feature.Int, feature.Float:
			fields[fd.Name] = "Number"
		case feature.Bool:
			fields[fd.Name] = "Boolean"
		default:
			fields[fd.Name] = "String"
		}
	}
	desc := bl.info.GeometryType
	if bl.info.Source != "" {
		desc += " from " + sourceBase(bl.info.Source)
	}
	return mbtiles.VectorLayer{ID: bl.name, Description: strings.TrimSpace(desc), MinZoom: bl.zmin, MaxZoom: bl.zmax, Fields: fields}
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

// checkWritten fails a build that wrote no tile although its layers have
// features, saying why the features were left out.
func checkWritten(layers []*builtLayer, st tiler.Stats) error {
	tiles, features := 0, 0
	for _, zs := range st.Zooms {
		tiles += zs.Tiles
	}
	for _, bl := range layers {
		features += bl.data.Len()
	}
	if tiles > 0 || features == 0 {
		return nil
	}
	msg := fmt.Sprintf("build: no tile written from %d features", features)
	for _, o := range st.Oversize {
		msg += fmt.Sprintf("; %s", describeOversize(layers, o))
	}
	for _, bl := range layers {
		for _, r := range bl.refused {
			msg += fmt.Sprintf("; layer %s record %d dropped: %v", bl.name, r.row, r.err)
		}
	}
	return errors.New(msg)
}

func describeOversize(layers []*builtLayer, o tiler.Oversize) string {
	rec := "id " + strconv.FormatUint(o.ID, 10)
	for _, bl := range layers {
		if bl.name == o.Layer && o.Index < len(bl.rows) {
			rec = "record " + strconv.FormatInt(bl.rows[o.Index], 10)
		}
	}
	return fmt.Sprintf("layer %s %s alone makes a %d-byte tile (in %d tiles, e.g. %d/%d/%d), over --max-tile-bytes %d: it is left out of them",
		o.Layer, rec, o.Bytes, o.Tiles, o.At[0], o.At[1], o.At[2], o.Limit)
}

// progress shows tiles done: a bar on a terminal, a log line every few
// seconds otherwise.
type progress struct {
	w      io.Writer
	quiet  bool
	tty    bool
	bar    *progressbar.ProgressBar
	log    *slog.Logger
	last   time.Time
	start  time.Time
	total  int
	done   int
	closed bool
}

func newProgress(w io.Writer, quiet bool, log *slog.Logger) *progress {
	p := &progress{w: w, quiet: quiet, log: log, start: time.Now(), last: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	p.done, p.total = done, total
	if p.quiet {
		return
	}
	if p.tty {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription("tiles"), progressbar.OptionShowCount(),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("tiles"),
				progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionFullWidth(), progressbar.OptionClearOnFinish())
		}
		p.bar.Set(done)
		return
	}
	if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		rate := float64(done) / time.Since(p.start).Seconds()
		left := time.Duration(float64(total-done)/rate) * time.Second
		p.log.Info("tiling", "done", done, "total", total, "tiles_per_s", int(rate), "left", left.Round(time.Second))
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

func printSummary(w io.Writer, out string, layers []*builtLayer, st tiler.Stats, ws mbtiles.Stats, total, tiling time.Duration) {
	fmt.Fprintf(w, "wrote %s in %s (tiling %s)\n", out, total.Round(time.Millisecond), tiling.Round(time.Millisecond))
	for _, bl := range layers {
		fmt.Fprintf(w, "  layer %-20s %8d features  z%d-%d  CRS %s\n", bl.name, bl.data.Len(), bl.zmin, bl.zmax, bl.crs)
	}
	zs := slices.Sorted(func(yield func(int) bool) {
		for z := range st.Zooms {
			if !yield(z) {
				return
			}
		}
	})
	fmt.Fprintf(w, "  %4s %8s %12s %8s %10s %14s %9s %10s %10s %8s %9s\n", "zoom", "tiles", "bytes", "median", "largest", "at", "dropped", "coalesced", "dissolved", "thinned", "fidelity")
	for _, z := range zs {
		s := st.Zooms[z]
		at := ""
		if s.Largest > 0 {
			at = fmt.Sprintf("%d/%d/%d", s.LargestAt[0], s.LargestAt[1], s.LargestAt[2])
		}
		fid := "-"
		if s.WorstFidelity >= 0 {
			fid = fmt.Sprintf("%.2f pp", s.WorstFidelity)
		}
		fmt.Fprintf(w, "  %4d %8d %12d %8d %10d %14s %9d %10d %10d %8d %9s\n", z, s.Tiles, s.Bytes, s.Median(), s.Largest, at, s.Dropped, s.Coalesced, s.Dissolved, s.Thinned, fid)
	}
	worst, at := -1.0, [3]int{}
	for _, s := range st.Zooms {
		if s.WorstFidelity > worst {
			worst, at = s.WorstFidelity, s.WorstFidelityAt
		}
	}
	if worst >= 0 {
		fmt.Fprintf(w, "  zones: worst tile %d/%d/%d, land-use shares within %.2f percentage points of the exact data\n", at[0], at[1], at[2], worst)
	}
	l := ws.Largest
	fmt.Fprintf(w, "  total %d tiles (%d unique), %d bytes; largest %d bytes at %d/%d/%d\n",
		ws.Tiles, ws.UniqueTiles, ws.UniqueBytes, l.Size, l.Z, l.X, l.Y)
	for _, bl := range layers {
		for _, r := range bl.refused {
			fmt.Fprintf(w, "  refused: layer %s record %d: %v\n", bl.name, r.row, r.err)
		}
	}
	for _, o := range st.Oversize {
		fmt.Fprintf(w, "  too large: %s\n", describeOversize(layers, o))
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
