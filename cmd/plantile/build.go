package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/ingest"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/publish"
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
	search          []string // NAME=FIELD[:KIND],... searched fields
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
	unionMaxWork    int
	unionMaxEdges   int
	unionMaxValues  int
	invalid         string // what to do with a self-intersecting polygon: drop or fail
	outliers        string // what to do with features outside Vietnam or far from the rest
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
	fl.StringArrayVar(&f.search, "search", nil, "fields GET /search looks in, NAME=FIELD[,FIELD...]; FIELD:code matches exactly or by prefix, FIELD:name also by word and substring (default: code when nearly all values look like codes); NAME=none leaves the layer out (default: the heuristic of README \"Search\")")
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
	fl.IntVar(&f.unionMaxWork, "union-max-work", tiler.DefaultUnionMaxWork, fmt.Sprintf("most scan-conversion steps of the raster union of overlapping zones, per tile and layer, 1 to %d (more: that tile keeps its overlapping polygons whole)", int64(tiler.MaxUnionMaxWork)))
	fl.IntVar(&f.unionMaxEdges, "union-max-edges", tiler.DefaultUnionMaxEdges, fmt.Sprintf("most boundary edges of the raster union, per tile and layer, 1 to %d", tiler.MaxUnionMaxEdges))
	fl.IntVar(&f.unionMaxValues, "union-max-values", tiler.DefaultUnionMaxValues, fmt.Sprintf("most distinct values in the raster union of one tile and layer, 1 to %d", tiler.MaxUnionMaxValues))
	fl.StringVar(&f.invalid, "invalid", "drop", "self-intersecting polygons: drop (report them in the summary) or fail")
	fl.StringVar(&f.outliers, "outliers", "report", "features outside Vietnam or far from the others: report (list them in the summary), refuse, or keep")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile to this file")
	fl.MarkHidden("cpuprofile")
	addLimitFlags(fl, &f.limits)
	return cmd
}

func runBuild(ctx context.Context, srcs []string, f buildFlags, stdout, stderr io.Writer) error {
	if err := checkBuildFlags(f); err != nil {
		return err
	}
	if err := mbtiles.CheckTarget(f.out); err != nil { // before reading for minutes
		return fmt.Errorf("build: %w", err)
	}
	outliers, err := ingest.ParseOutlierPolicy(f.outliers)
	if err != nil {
		return fmt.Errorf("build: --outliers: %w", err)
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
	searchFields, err := parseSearch(f.search)
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
	q := publish.Request{
		Sources: srcs, Names: f.layers, Out: f.out, SrcCRS: f.srcCRS, Encoding: f.encoding, Limits: f.limits,
		Invalid: publish.InvalidPolicy(f.invalid), Outliers: outliers,
		MinZoom: f.minZoom, MaxZoom: f.maxZoom, Zooms: zoomOverride, Search: searchFields,
		Buffer: f.buffer, MaxTileBytes: f.maxTileBytes, MaxTileFeatures: f.maxTileFeatures, Workers: f.workers, MaxTiles: f.maxTiles,
		UnionMaxWork: f.unionMaxWork, UnionMaxEdges: f.unionMaxEdges, UnionMaxValues: f.unionMaxValues,
		Name: f.name, Attribution: f.attribution, Description: f.description,
		Logger: logger,
		// Zones: the dissolve field and detail zoom of each layer, from
		// the flags and the bundled palette, once the layers are read.
		Layers: func(tl []tiler.Layer) error { return setDissolve(tl, f.dissolve, f.detailZooms, f.mergeLines, f.thin) },
	}
	progress := newProgress(stderr, f.quiet, logger)
	res, err := publish.Run(ctx, q, func(e publish.Event) {
		if e.Step == publish.StepTile {
			progress.update(e.Done, e.Total)
		}
	})
	progress.finish()
	if errors.Is(err, tiler.ErrTooManyTiles) {
		return fmt.Errorf("build: %w; raise --max-tiles (now %d), lower --maxzoom, or fix the feature", err, f.maxTiles)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "build: ") { // the Layers hook's errors name their flags
		return fmt.Errorf("build: %w", err)
	}
	if err != nil {
		return err
	}
	printSummary(stdout, res)
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
	case f.unionMaxWork < 1 || int64(f.unionMaxWork) > tiler.MaxUnionMaxWork:
		return fmt.Errorf("build: --union-max-work %d: want 1 to %d", f.unionMaxWork, int64(tiler.MaxUnionMaxWork))
	case f.unionMaxEdges < 1 || f.unionMaxEdges > tiler.MaxUnionMaxEdges:
		return fmt.Errorf("build: --union-max-edges %d: want 1 to %d", f.unionMaxEdges, tiler.MaxUnionMaxEdges)
	case f.unionMaxValues < 1 || f.unionMaxValues > tiler.MaxUnionMaxValues:
		return fmt.Errorf("build: --union-max-values %d: want 1 to %d", f.unionMaxValues, tiler.MaxUnionMaxValues)
	case f.invalid != "drop" && f.invalid != "fail":
		return fmt.Errorf("build: --invalid %q: want drop or fail", f.invalid)
	}
	return nil
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

func orNone(fields []string) string {
	if len(fields) == 0 {
		return "none"
	}
	return strings.Join(fields, ",")
}

// parseSearch reads NAME=FIELD[,FIELD...] and NAME=none (an empty list);
// publish checks the layers and fields once they are read.
func parseSearch(specs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, s := range specs {
		name, list, ok := strings.Cut(s, "=")
		if !ok || name == "" || list == "" {
			return nil, fmt.Errorf("build: --search %q: want NAME=FIELD[,FIELD...] or NAME=none", s)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("build: --search names layer %q twice", name)
		}
		out[name] = []string{}
		if list == "none" {
			continue
		}
		for _, field := range strings.Split(list, ",") {
			if field == "" {
				return nil, fmt.Errorf("build: --search %q: empty field name", s)
			}
			out[name] = append(out[name], field)
		}
	}
	return out, nil
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

func printSummary(w io.Writer, res *publish.Result) {
	fmt.Fprintf(w, "wrote %s in %s (tiling %s)\n", res.Out, res.Took.Round(time.Millisecond), res.Tiling.Round(time.Millisecond))
	for _, bl := range res.Layers {
		fmt.Fprintf(w, "  layer %-20s %8d features  z%d-%d  CRS %s\n", bl.Name, bl.Features, bl.MinZoom, bl.MaxZoom, bl.CRS)
		if o := bl.Search; o != nil {
			fmt.Fprintf(w, "        search: names %s, codes %s\n", orNone(o.Names), orNone(o.Codes))
		}
	}
	st := res.Tiles
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
	var unions, fallbacks int64
	for _, s := range st.Zooms {
		unions, fallbacks = unions+s.Unions, fallbacks+s.UnionFallbacks
	}
	if unions > 0 {
		fmt.Fprintf(w, "  zones: %d tile layers with overlapping polygons unioned on the raster\n", unions)
	}
	if fallbacks > 0 {
		fmt.Fprintf(w, "  zones: %d tile layers over the union's limits: their overlapping polygons drawn whole\n", fallbacks)
	}
	ws := res.Written
	l := ws.Largest
	fmt.Fprintf(w, "  total %d tiles (%d unique), %d bytes; largest %d bytes at %d/%d/%d\n",
		ws.Tiles, ws.UniqueTiles, ws.UniqueBytes, l.Size, l.Z, l.X, l.Y)
	for _, bl := range res.Layers {
		for _, r := range bl.Dropped {
			fmt.Fprintf(w, "  refused: layer %s record %d: %s\n", bl.Name, r.Feature, r.Cause)
		}
	}
	for _, bl := range res.Layers {
		if bl.Outliers.Total > 0 {
			fmt.Fprintf(w, "  outliers: layer %s: %s\n", bl.Name, strings.ReplaceAll(strings.TrimSpace(bl.Outliers.String()), "\n", "\n    "))
		}
	}
	for _, o := range res.Oversize {
		fmt.Fprintf(w, "  too large: %s\n", o)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
