package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
	"github.com/sonla-gis/plantile/pkg/search"
)

// TileReader is what the server needs from an open tileset file;
// *mbtiles.Reader implements it.
type TileReader interface {
	Metadata() mbtiles.Metadata
	Tile(ctx context.Context, z, x, y int) (data []byte, found bool, err error)
	Close() error
}

// OpenFunc opens a tileset file.
type OpenFunc func(path string) (TileReader, error)

// OpenMBTiles opens an MBTiles file in place with pkg/mbtiles (not
// memory-mapped, so a concurrent writer cannot crash the process, but a
// file rewritten in place is then read as it stands). The Registry's
// default is SnapshotOpener.
func OpenMBTiles(path string) (TileReader, error) { return mbtiles.Open(path) }

// SnapshotOpener returns an OpenFunc that serves a private copy of each
// file, made in dir (see mbtiles.OpenSnapshot). This is how a tileset that
// an operator overwrites in place (cp, rsync --inplace, VACUUM) keeps
// serving its old version, never a torn one, until the new one is complete
// and checked: the alternative, reading the served file in place, would
// serve errors or mixed pages while it is rewritten, and memory-mapping it
// crashes the process with SIGBUS when it is truncated.
func SnapshotOpener(dir string) OpenFunc {
	return func(path string) (TileReader, error) { return mbtiles.OpenSnapshot(path, dir) }
}

// Ext is the file extension of tilesets in a tiles directory.
const Ext = ".mbtiles"

// Tileset is one loaded version of a tileset file. Its fields never change;
// a new version of the file is a new Tileset.
type Tileset struct {
	Name     string           // the file name without .mbtiles; the URL name
	Path     string           // the file it was loaded from
	Metadata mbtiles.Metadata // as read from the file
	Loaded   time.Time        // when this version was loaded

	version uint64 // unique per load in a Registry; part of tile cache keys
	id      fileID
	reader  TileReader
	ranges  []tileRange // per zoom 0..MaxZoom of the metadata: the tiles inside the bounds; nil for no bounds
	// refs counts users of reader: 1 for the Registry while this version is
	// current, plus one per request reading a tile. The reader is closed
	// when it reaches 0, so requests in flight finish on the old version.
	refs atomic.Int64
	log  *slog.Logger

	layers []*index.Layer // the exact features (tileset_features.go)
	// fieldsJSON is each layer's schema as JSON, as queries list it.
	fieldsJSON [][]byte
	versionID  string
	search     []*search.Index // one per layer (tileset_search.go)
}

// tileRange is the inclusive range of tiles covering a tileset's bounds at
// one zoom.
type tileRange struct{ x0, x1, y0, y1 int }

// acquire takes a reference to the reader; false if it is being closed.
func (t *Tileset) acquire() bool {
	for {
		n := t.refs.Load()
		if n <= 0 {
			return false
		}
		if t.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and closes the reader with the last one.
func (t *Tileset) release() {
	if t.refs.Add(-1) == 0 {
		if err := t.reader.Close(); err != nil {
			t.log.Warn("server: close tileset", "tileset", t.Name, "path", t.Path, "err", err)
		}
	}
}

// inRange reports whether z/x/y is inside the zoom range and bounds.
func (t *Tileset) inZoom(z int) bool {
	return z >= t.Metadata.MinZoom && z <= t.Metadata.MaxZoom
}

func (t *Tileset) inBounds(z, x, y int) bool {
	if t.ranges == nil || z >= len(t.ranges) {
		return true
	}
	r := t.ranges[z]
	return x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1
}

// tileRanges computes, for zooms 0..maxZoom, the tiles that cover b (WGS 84
// lon/lat). It returns nil when b is unset or unusable (then every tile is
// considered inside).
func tileRanges(b [4]float64, maxZoom int) []tileRange {
	w, s, e, n := b[0], b[1], b[2], b[3]
	if w == 0 && s == 0 && e == 0 && n == 0 || !(w < e) || !(s < n) || w < -180 || e > 180 || maxZoom < 0 || maxZoom > MaxZoom {
		return nil
	}
	const maxLat = 85.05112877980659
	s, n = max(s, -maxLat), min(n, maxLat)
	out := make([]tileRange, maxZoom+1)
	for z := range out {
		size := float64(int(1) << z)
		clamp := func(v float64) int { return int(min(max(math.Floor(v), 0), size-1)) }
		lonX := func(lon float64) int { return clamp((lon + 180) / 360 * size) }
		latY := func(lat float64) int {
			r := lat * math.Pi / 180
			return clamp((1 - math.Log(math.Tan(r)+1/math.Cos(r))/math.Pi) / 2 * size)
		}
		out[z] = tileRange{x0: lonX(w), x1: lonX(e), y0: latY(n), y1: latY(s)}
	}
	return out
}

// fileID tells versions of a file apart: a rename-replaced file has a new
// inode, an in-place rewrite a new size or modification time.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    int64
}

func identify(fi fs.FileInfo) fileID {
	id := fileID{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), st.Ino
	}
	return id
}

// LoadError reports a tileset file that was refused; the previous version,
// if any, keeps being served.
type LoadError struct {
	Name, Path string
	Err        error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("server: tileset %s refused (%s): %v", e.Name, e.Path, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

// RegistryOptions configures a Registry.
type RegistryOptions struct {
	Open       OpenFunc     // default OpenMBTiles
	Logger     *slog.Logger // default slog.Default()
	CacheBytes int64        // in-memory tile cache budget; 0 disables it
	// SnapshotDir is where the default opener (SnapshotOpener) copies
	// tilesets; default os.TempDir(). Copies are unlinked once open.
	SnapshotDir string
	// Settle is how long a changed file must stay unchanged before the
	// polling of Run picks it up, so that a file being copied in place is
	// not read half written (the copy is checked too). Reload, as on
	// SIGHUP, does not wait. 0: no wait.
	Settle time.Duration
	// Files, when set, replaces the directory scan: it returns the files
	// to serve by tileset name (see CatalogFiles, where the name is a
	// catalog layer id and the file its current version). A name that
	// maps to a new path is loaded as a new version of that tileset.
	Files func(ctx context.Context) (map[string]string, error)
}

// CatalogFiles returns a RegistryOptions.Files that serves the current
// version of every layer of the catalog: layer id -> version file. A
// layer without a published version is not served.
func CatalogFiles(cat *catalog.Catalog) func(ctx context.Context) (map[string]string, error) {
	return func(ctx context.Context) (map[string]string, error) {
		ls, err := cat.Layers(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]string, len(ls))
		for _, l := range ls {
			if l.CurrentVersion > 0 {
				out[l.ID] = cat.Path(catalog.VersionFile(l.ID, l.CurrentVersion))
			}
		}
		return out, nil
	}
}

// Registry serves the NAME.mbtiles files of one directory as tilesets and
// follows the directory: Reload (called at start, on a timer by Run, on
// SIGHUP by the command) loads new and changed files, keeps the old version
// of a file that fails to load, and drops deleted files. The set of
// tilesets is an immutable map swapped atomically, so a request sees either
// the old or the new set, never a mix.
type Registry struct {
	dir    string
	open   OpenFunc
	log    *slog.Logger
	cache  *tileCache
	settle time.Duration
	files  func(ctx context.Context) (map[string]string, error)

	mu      sync.Mutex        // serialises Reload and Close
	failed  map[string]fileID // guarded by mu: versions refused, not retried until they change
	version uint64            // guarded by mu
	closed  bool              // guarded by mu

	current atomic.Pointer[map[string]*Tileset]
	ready   atomic.Bool

	loads, refusals, removals atomic.Int64
}

// NewRegistry returns a Registry of dir with no tileset loaded yet; call
// Reload.
func NewRegistry(dir string, opts RegistryOptions) *Registry {
	if opts.Open == nil {
		dir := opts.SnapshotDir
		if dir == "" {
			dir = os.TempDir()
		}
		opts.Open = SnapshotOpener(dir)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Registry{
		dir:    dir,
		open:   opts.Open,
		log:    opts.Logger,
		cache:  newTileCache(opts.CacheBytes),
		settle: opts.Settle,
		files:  opts.Files,
		failed: map[string]fileID{},
	}
	empty := map[string]*Tileset{}
	r.current.Store(&empty)
	return r
}

// Dir returns the directory the Registry follows.
func (r *Registry) Dir() string { return r.dir }

// Ready reports whether the first Reload has completed.
func (r *Registry) Ready() bool { return r.ready.Load() }

// Get returns the current version of the tileset name. Its metadata can be
// read freely; tiles go through Server.Tile, which holds a reference.
func (r *Registry) Get(name string) (*Tileset, bool) {
	t, ok := (*r.current.Load())[name]
	return t, ok
}

// List returns the current tilesets sorted by name.
func (r *Registry) List() []*Tileset {
	m := *r.current.Load()
	out := make([]*Tileset, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *Tileset) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Reload scans the directory once. It returns an error when the directory
// cannot be read (the current tilesets stay) and the *LoadError of each
// file refused for the first time (joined); a refused version is not tried
// again until the file changes.
func (r *Registry) Reload(ctx context.Context) error {
	return r.reload(ctx, false)
}

// reload is Reload; settle makes it wait for changed files to settle
// (polling does, an explicit Reload such as SIGHUP does not: the operator
// says the files are ready).
func (r *Registry) reload(ctx context.Context, settle bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return errors.New("server: registry closed")
	}
	files, err := r.scan(ctx)
	if err != nil {
		return err
	}
	cur := *r.current.Load()
	next := make(map[string]*Tileset, len(files))
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if ctx.Err() != nil {
			// Versions opened by this scan were never published: close
			// them, or their readers (and snapshot files) would leak.
			for name, t := range next {
				if cur[name] != t {
					t.release()
				}
			}
			return ctx.Err()
		}
		path := files[name]
		fi, err := os.Stat(path) // follows symbolic links
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		id := identify(fi)
		old := cur[name]
		if old != nil && old.id == id { // another file (a catalog version) has another inode
			next[name] = old
			continue
		}
		if fid, ok := r.failed[name]; ok && fid == id {
			if old != nil {
				next[name] = old
			}
			continue
		}
		if settle && r.settle > 0 && time.Since(fi.ModTime()) < r.settle {
			// Changed moments ago: perhaps still being written. The old
			// version, if any, serves until the file settles.
			if old != nil {
				next[name] = old
			}
			r.log.Debug("server: tileset changed; waiting for it to settle", "tileset", name, "settle", r.settle)
			continue
		}
		t, err := r.load(ctx, name, path, id)
		if errors.Is(err, mbtiles.ErrChanging) || (err != nil && ctx.Err() != nil) {
			// Written while being copied, or the scan was cancelled: not
			// a verdict on the file; try again next time.
			if old != nil {
				next[name] = old
			}
			r.log.Info("server: tileset changed while loading; will retry", "tileset", name, "path", path)
			continue
		}
		if err != nil {
			r.refusals.Add(1)
			r.failed[name] = id
			errs = append(errs, &LoadError{Name: name, Path: path, Err: err})
			if old != nil {
				next[name] = old
			}
			continue
		}
		delete(r.failed, name)
		r.loads.Add(1)
		next[name] = t
		if old != nil {
			r.log.Info("server: tileset replaced", "tileset", name, "path", path, "minzoom", t.Metadata.MinZoom, "maxzoom", t.Metadata.MaxZoom)
		} else {
			r.log.Info("server: tileset loaded", "tileset", name, "path", path, "minzoom", t.Metadata.MinZoom, "maxzoom", t.Metadata.MaxZoom)
		}
	}
	for name := range r.failed {
		if _, ok := files[name]; !ok {
			delete(r.failed, name)
		}
	}
	r.current.Store(&next)
	for name, old := range cur {
		if next[name] == old {
			continue
		}
		if _, ok := next[name]; !ok {
			r.removals.Add(1)
			r.log.Info("server: tileset removed", "tileset", name, "path", old.Path)
		}
		r.retire(old)
	}
	r.ready.Store(true)
	return errors.Join(errs...)
}

// scan lists the files to serve by name: Files when set, else the
// NAME.mbtiles files of the directory (not the hidden temporary files of
// writers).
func (r *Registry) scan(ctx context.Context) (map[string]string, error) {
	if r.files != nil {
		m, err := r.files(ctx)
		if err != nil {
			return nil, fmt.Errorf("server: list tilesets: %w", err)
		}
		return m, nil
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, fmt.Errorf("server: read tiles directory: %w", err)
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), Ext)
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue // not a tileset, or a temporary file of a writer
		}
		out[name] = filepath.Join(r.dir, e.Name())
	}
	return out, nil
}

// retire drops the Registry's reference to an old version: its reader
// closes when the last request using it ends.
func (r *Registry) retire(t *Tileset) {
	r.cache.drop(t.version)
	t.release()
}

// load opens a file and checks it can serve tiles.
func (r *Registry) load(ctx context.Context, name, path string, id fileID) (*Tileset, error) {
	if !validName(name) {
		return nil, errors.New("file name must be letters, digits, '-', '_' or '.' (at most 128) before .mbtiles")
	}
	rd, err := r.open(path)
	if err != nil {
		return nil, err
	}
	m := rd.Metadata()
	fail := func(err error) (*Tileset, error) {
		rd.Close()
		return nil, err
	}
	if m.MinZoom < 0 || m.MaxZoom > MaxZoom || m.MinZoom > m.MaxZoom {
		return fail(fmt.Errorf("zoom range %d..%d is not within 0..%d", m.MinZoom, m.MaxZoom, MaxZoom))
	}
	// Read one tile: a file truncated by a failed copy often has intact
	// metadata and broken tile pages.
	if _, _, err := rd.Tile(ctx, m.MinZoom, 0, 0); err != nil {
		return fail(err)
	}
	layers, versionID, err := r.loadFeatures(ctx, name, rd, id)
	if err != nil {
		return fail(err)
	}
	r.version++
	t := &Tileset{
		Name:     name,
		Path:     path,
		Metadata: m,
		Loaded:   time.Now(),
		version:  r.version,
		id:       id,
		reader:   rd,
		log:      r.log,
		ranges:   tileRanges([4]float64{m.Bounds.Min[0], m.Bounds.Min[1], m.Bounds.Max[0], m.Bounds.Max[1]}, m.MaxZoom),
	}
	t.layers, t.versionID = layers, versionID
	t.fieldsJSON = make([][]byte, len(layers))
	for k, l := range layers {
		t.fieldsJSON[k] = appendJSON(nil, l.Schema().Fields)
	}
	t.search = r.buildSearch(name, m, layers)
	t.refs.Store(1)
	return t, nil
}

// Run reloads every interval until ctx is done, logging what Reload
// returns.
func (r *Registry) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			r.logReload(ctx, r.reload(ctx, true))
		}
	}
}

// ReloadAndLog calls Reload and logs its errors, one line per refused file.
func (r *Registry) ReloadAndLog(ctx context.Context) {
	r.logReload(ctx, r.Reload(ctx))
}

func (r *Registry) logReload(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var le *LoadError
		if errors.As(e, &le) {
			r.log.Error("server: tileset refused; the previous version, if any, keeps serving", "tileset", le.Name, "path", le.Path, "err", le.Err)
		} else {
			r.log.Error("server: reload", "err", e)
		}
	}
}

// Close stops serving every tileset; readers close as their last requests
// end.
func (r *Registry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	cur := *r.current.Load()
	empty := map[string]*Tileset{}
	r.current.Store(&empty)
	for _, t := range cur {
		r.retire(t)
	}
	return nil
}

// ExtractTilesets copies the *.mbtiles files at the root of fsys into dir
// (created if needed) and returns their names. A file already there with
// the same content is left alone, so restarts do not rewrite it; others are
// written to a temporary file and renamed into place. SQLite needs real
// files, which is why tilesets embedded in the binary go through this.
func ExtractTilesets(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("server: embedded tilesets: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("server: embedded tilesets: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), Ext) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if err := extractFile(fsys, e.Name(), filepath.Join(dir, e.Name())); err != nil {
			return names, fmt.Errorf("server: embedded tileset %s: %w", e.Name(), err)
		}
		names = append(names, strings.TrimSuffix(e.Name(), Ext))
	}
	return names, nil
}

func extractFile(fsys fs.FS, name, dst string) error {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if have, err := os.ReadFile(dst); err == nil && bytes.Equal(have, src) {
		return nil
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(src)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
