package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/config"
	"github.com/sonla-gis/plantile/pkg/glyphs"
	"github.com/sonla-gis/plantile/pkg/publish"
	"github.com/sonla-gis/plantile/pkg/server"
	"github.com/sonla-gis/plantile/styles"
	"github.com/sonla-gis/plantile/tiles"
	"github.com/sonla-gis/plantile/web"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [--config FILE] [--listen ADDR] [--tiles DIR] ...",
		Short: "Serve tiles, styles and the web map",
		Long: `Serve the layers of a catalog (--data DIR, $PLANTILE_DATA, else the user's
data directory) with the upload API under /api, or the tilesets of a
read-only directory (--tiles DIR: each NAME.mbtiles is the tileset NAME),
with the MapLibre styles, glyphs and the web map. An empty catalog gets the
bundled Son La demo published into it.

Configuration comes from, lowest precedence first: defaults, the YAML file
of --config, PLANTILE_* environment variables, flags. Keys and variables:
` + keyList() + `
A new or replaced NAME.mbtiles is served without a restart (polled every
reload_interval, and on SIGHUP); a file that fails to open is refused and the
previous version keeps serving.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			file, _ := cmd.Flags().GetString("config")
			cfg, err := config.Load(file, cmd.Flags())
			if err != nil {
				return err
			}
			m := &Main{Config: cfg, Logger: newLogger(cfg, cmd.ErrOrStderr()), Out: cmd.OutOrStdout()}
			return m.RunUntilDone(cmd.Context())
		},
	}
	cmd.Flags().String("config", "", "YAML configuration file")
	config.AddFlags(cmd.Flags())
	return cmd
}

func keyList() string {
	var b strings.Builder
	for _, k := range config.Keys() {
		fmt.Fprintf(&b, "  %-20s %s\n", k[0], k[1])
	}
	return b.String()
}

// newLogger builds the process logger from the configuration.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := cfg.Level() // validated by config.Load
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Main is `plantile serve` as a value: Run starts it, Close stops it. The
// command and the end-to-end tests use it the same way.
type Main struct {
	Config config.Config
	Logger *slog.Logger // default: discard
	Out    io.Writer    // receives the "serving at" line; default: discard

	// Embedded holds the bundled tilesets (*.mbtiles at the root), served
	// when Config.TilesDir is empty; default tiles.FS().
	Embedded fs.FS

	reg      *server.Registry
	cat      *catalog.Catalog // the catalog when serving a data directory
	srv      *server.Server
	ln       net.Listener
	mln      net.Listener // metrics_listen, if set
	url      string
	demo     bool
	cancel   context.CancelFunc
	served   chan error
	mserved  chan error
	tmpSnaps string             // a temporary snapshot directory to remove on Close
	snaps    *snapshotRun       // this process's snapshot directory under cache_dir
	bg       sync.WaitGroup     // background work (glyph warm-up) that Close waits for
	stop     context.CancelFunc // stops background work
}

// Run loads the tilesets, starts listening and serving, and returns once
// the server answers; it does not block. Call Close to stop.
func (m *Main) Run(ctx context.Context) (err error) {
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	if m.Out == nil {
		m.Out = io.Discard
	}
	if m.Embedded == nil {
		m.Embedded = tiles.FS()
	}
	cfg := m.Config
	defer func() {
		if err != nil {
			m.Close()
		}
	}()

	bgctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stop = stop
	cache, cerr := m.cacheDir()
	dir := cfg.TilesDir
	data := cfg.DataDir
	if data == "" && dir == "" {
		// Neither: the catalog of the default data directory
		// ($PLANTILE_DATA, else the user's data directory), so that a
		// plain `plantile serve` shows the demo and takes uploads. With
		// no home directory to put it in, the bundled demo is served
		// read-only.
		var derr error
		if data, derr = catalog.DataDir("", os.Getenv); derr != nil {
			m.Logger.Warn("serve: no data directory; serving the bundled demo read-only (no upload API)", "err", derr)
		}
	}
	if data != "" {
		if dir != "" {
			return errors.New("serve: give either a data directory (--data, data_dir, PLANTILE_DATA) or a tiles directory (--tiles), not both")
		}
		if err := m.openCatalog(ctx, data); err != nil {
			return err
		}
		dir = m.cat.Path("layers")
	} else if dir == "" {
		if cerr != nil {
			return fmt.Errorf("serve: the bundled tilesets need a cache directory (set cache_dir or tiles_dir): %w", cerr)
		}
		if dir, err = m.extractDemo(cache); err != nil {
			return err
		}
		m.demo = true
	}
	var snaps string
	if cerr == nil {
		run, err := newSnapshotRun(filepath.Join(cache, "snapshots"))
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		m.snaps = run
		snaps = run.dir
	} else {
		// No cache directory (a service without HOME): a private
		// temporary one, removed on Close.
		if snaps, err = os.MkdirTemp("", "plantile-snapshots-"); err != nil {
			return fmt.Errorf("serve: snapshot directory: %w", err)
		}
		m.tmpSnaps = snaps
		m.Logger.Warn("serve: no cache_dir; tileset snapshots go to a temporary directory (may be RAM-backed)", "dir", snaps)
	}
	var files func(context.Context) (map[string]string, error)
	if m.cat != nil {
		files = server.CatalogFiles(m.cat)
	}
	m.reg = server.NewRegistry(dir, server.RegistryOptions{
		Files:       files,
		Logger:      m.Logger,
		CacheBytes:  int64(cfg.TileCacheMB) << 20,
		SnapshotDir: snaps,
		Settle:      cfg.ReloadSettle,
	})
	if err := m.reg.Reload(ctx); err != nil {
		var le *server.LoadError
		if !errors.As(err, &le) {
			return fmt.Errorf("serve: tiles directory %s: %w", dir, err)
		}
		m.logReload(err) // broken files are refused, the others serve
	}

	opts := server.Options{Config: cfg, Tilesets: m.reg, Logger: m.Logger, Catalog: m.cat}
	if opts.Styles, opts.Glyphs, opts.Web, err = m.assets(bgctx); err != nil {
		return err
	}
	if m.srv, err = server.New(opts); err != nil {
		return err
	}
	if m.ln, err = net.Listen("tcp", cfg.Listen); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	m.url = displayURL(cfg.PublicURL, m.ln.Addr())
	m.Logger.Info("serve: listening", "listen", m.ln.Addr().String(), "url", m.url)

	switch cfg.MetricsListen {
	case "", "off":
	default:
		if m.mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return fmt.Errorf("serve: metrics_listen: %w", err)
		}
		m.Logger.Info("serve: metrics", "listen", m.mln.Addr().String())
	}

	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.served = make(chan error, 1)
	go func() { m.served <- m.srv.Serve(sctx, m.ln) }()
	if m.mln != nil {
		m.mserved = make(chan error, 1)
		go func() { m.mserved <- m.srv.ServeMetrics(sctx, m.mln) }()
	}
	go m.reg.Run(sctx, cfg.ReloadInterval)

	var names []string
	for _, t := range m.reg.List() {
		names = append(names, t.Name)
	}
	if m.demo {
		fmt.Fprintf(m.Out, "plantile: serving Son La demo at %s/\n", m.url)
	} else if m.cat != nil {
		fmt.Fprintf(m.Out, "plantile: serving %d catalog layers from %s at %s/\n", len(names), m.cat.Dir(), m.url)
	} else {
		noun := "tilesets"
		if len(names) == 1 {
			noun = "tileset"
		}
		fmt.Fprintf(m.Out, "plantile: serving %d %s from %s at %s/\n", len(names), noun, dir, m.url)
	}
	for _, n := range names {
		m.Logger.Info("serve: tileset", "tileset", n, "tilejson", server.TileJSONURL(m.url, n), "qgis_xyz_url", server.TileURL(m.url, n))
	}
	if len(names) == 0 {
		m.Logger.Warn("serve: no tilesets yet; add NAME.mbtiles files to the tiles directory", "dir", dir)
	}
	return nil
}

// Catalog returns the catalog served (nil unless serving a data
// directory); with Registry it is what the upload API publishes through
// (publish.PublishVersion, publish.Rollback).
func (m *Main) Catalog() *catalog.Catalog { return m.cat }

// Registry returns the served tilesets (after Run); its Reload is the swap
// after a publish or rollback.
func (m *Main) Registry() *server.Registry { return m.reg }

// openCatalog opens the catalog of data directory dir, recovers from an
// interrupted publish (marks it failed, removes its files and the
// writers' temporary files), and publishes the bundled demo into an empty
// catalog.
func (m *Main) openCatalog(ctx context.Context, dir string) error {
	cat, err := catalog.Open(dir, catalog.Options{KeepVersions: m.Config.KeepVersions})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	m.cat = cat
	rec, err := publish.Recover(ctx, cat, catalog.System("serve"))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	for _, v := range rec.Versions {
		m.Logger.Warn("serve: an interrupted publish was marked failed; the previous version serves", "layer", v.Layer, "version", v.Number)
	}
	layers, err := cat.Layers(ctx)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if len(layers) > 0 {
		return nil
	}
	return m.seedDemo(ctx)
}

// The bundled demo as the catalog knows it. Since 1 July 2025 Son La has
// no districts (../shared/DOMAIN.md section 6): the demo's district
// boundaries are labelled as historical.
const (
	demoOrg      = "demo"
	demoOrgName  = "Dữ liệu mẫu plantile"
	demoTitle    = "Quy hoạch mẫu Sơn La (dữ liệu minh hoạ)"
	demoDistrict = "Địa giới cấp huyện (trước 01/7/2025)"
)

// seedDemo publishes every bundled tileset as version 1 of a layer of the
// same name, owned by organisation demo.
func (m *Main) seedDemo(ctx context.Context) error {
	by := catalog.System("serve")
	if _, err := m.cat.EnsureOrg(ctx, by, demoOrg, demoOrgName, catalog.KindOther); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Under layers/, hidden: a crash here leaves nothing Recover misses.
	if err := os.MkdirAll(m.cat.Path("layers"), 0o755); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	tmp, err := os.MkdirTemp(m.cat.Path("layers"), ".demo-")
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer os.RemoveAll(tmp)
	names, err := server.ExtractTilesets(m.Embedded, tmp)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	for _, name := range names {
		path := filepath.Join(tmp, name+server.Ext)
		sum, err := fileSum(path)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		v := publish.Version{Layer: name, By: by, New: catalog.NewVersion{Title: demoTitle + " — " + demoDistrict, Owner: demoOrg, SourceHash: sum}}
		if _, err := publish.ImportFile(ctx, m.cat, v, path, catalog.VersionResult{}); err != nil {
			return fmt.Errorf("serve: bundled demo %s: %w", name, err)
		}
		m.Logger.Info("serve: bundled demo published into the catalog", "layer", name, "owner", demoOrg)
	}
	return nil
}

// cacheDir returns the cache directory: cache_dir, else the user cache
// directory's plantile.
func (m *Main) cacheDir() (string, error) {
	if m.Config.CacheDir != "" {
		return m.Config.CacheDir, nil
	}
	uc, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(uc, "plantile"), nil
}

// manifestName is the file, in the directory the bundled tilesets are
// unpacked to, that lists what serve put there: only those files are ever
// removed.
const manifestName = ".plantile-extracted"

// extractDemo copies the bundled tilesets into cache/tiles and returns
// that directory. A file that an earlier run unpacked (listed in the
// manifest, with the same content) and that is no longer bundled is
// removed; any other file is left alone, whoever put it there.
func (m *Main) extractDemo(cache string) (string, error) {
	dir := filepath.Join(cache, "tiles")
	names, err := server.ExtractTilesets(m.Embedded, dir)
	if err != nil {
		return "", fmt.Errorf("serve: %w", err)
	}
	manifest := filepath.Join(dir, manifestName)
	prev, _ := readManifest(manifest)
	for name, sum := range prev {
		if slices.Contains(names, name) || !validManifestName(name) {
			continue
		}
		p := filepath.Join(dir, name+server.Ext)
		if have, err := fileSum(p); err == nil && have == sum {
			os.Remove(p)
		}
	}
	if err := writeManifest(manifest, dir, names); err != nil {
		m.Logger.Warn("serve: cannot record the unpacked tilesets; they will not be cleaned up", "err", err)
	}
	if len(names) == 0 {
		m.Logger.Warn("serve: this binary bundles no demo tileset; build them (make) or pass --tiles DIR")
	}
	return dir, nil
}

// validManifestName keeps a manifest line from naming a file outside the
// directory.
func validManifestName(name string) bool {
	return name != "" && !strings.ContainsAny(name, `/\`) && name != "." && name != ".."
}

// readManifest reads "SHA256 NAME" lines.
func readManifest(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		sum, name, ok := strings.Cut(line, " ")
		if ok {
			out[name] = sum
		}
	}
	return out, nil
}

// writeManifest records the unpacked files with their SHA-256.
func writeManifest(path, dir string, names []string) error {
	var b strings.Builder
	for _, n := range names {
		sum, err := fileSum(filepath.Join(dir, n+server.Ext))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %s\n", sum, n)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// assets returns the styles, glyphs and web map: the bundled ones unless a
// directory overrides them.
func (m *Main) assets(ctx context.Context) (fs.FS, server.GlyphSource, fs.FS, error) {
	cfg := m.Config
	st := styles.FS()
	if cfg.StylesDir != "" {
		st = os.DirFS(cfg.StylesDir)
	}
	var gl server.GlyphSource
	if cfg.FontsDir != "" {
		gl = server.GlyphsFS{FS: os.DirFS(cfg.FontsDir)}
	} else {
		fonts, err := styles.Fonts()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("serve: %w", err)
		}
		set, err := glyphs.New(fonts...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("serve: %w", err)
		}
		gl = set
		// Render the ranges every Vietnamese label needs (Basic Latin,
		// Latin Extended with ơ ư đ, combining marks, Latin Extended
		// Additional with the toned vowels) in the background: a first
		// render takes tens of milliseconds a range. Close stops it and
		// waits for it.
		m.bg.Add(1)
		go func() {
			defer m.bg.Done()
			for _, stack := range set.Fontstacks() {
				for _, start := range []int{0, 256, 768, 7680} {
					if ctx.Err() != nil {
						return
					}
					if _, err := set.Range(stack, start); err != nil {
						m.Logger.Warn("serve: glyph warm-up", "fontstack", stack, "start", start, "err", err)
						return
					}
				}
			}
		}()
	}
	wf := web.FS()
	if cfg.WebDir != "" {
		wf = os.DirFS(cfg.WebDir)
	} else if !web.Vendored() {
		m.Logger.Warn("serve: MapLibre GL JS is not vendored into the web map; run make deps-web")
	}
	return st, gl, wf, nil
}

// displayURL is the URL to print: the public URL, else the listener's
// address with 127.0.0.1 for an unspecified host.
func displayURL(public string, addr net.Addr) string {
	if public != "" {
		return strings.TrimSuffix(public, "/")
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// MetricsURL returns the base URL of the metrics listener, "" when
// metrics_listen is not an address.
func (m *Main) MetricsURL() string {
	if m.mln == nil {
		return ""
	}
	return displayURL("", m.mln.Addr())
}

// URL returns the base URL the server answers at (after Run).
func (m *Main) URL() string { return m.url }

// Reload rescans the tiles directory now and logs what it refused.
func (m *Main) Reload(ctx context.Context) {
	if m.reg != nil {
		m.reg.ReloadAndLog(ctx)
	}
}

func (m *Main) logReload(err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var le *server.LoadError
		if errors.As(e, &le) {
			m.Logger.Error("serve: tileset refused", "tileset", le.Name, "path", le.Path, "err", le.Err)
		}
	}
}

// Close stops the server gracefully (requests in flight finish, up to
// shutdown_timeout) and then closes the tilesets.
func (m *Main) Close() error {
	var err error
	if m.cancel != nil {
		m.cancel()
		err = <-m.served
		m.cancel = nil
	} else if m.ln != nil {
		m.ln.Close()
	}
	if m.mserved != nil {
		if merr := <-m.mserved; err == nil {
			err = merr
		}
		m.mserved = nil
	} else if m.mln != nil {
		m.mln.Close()
	}
	if m.srv != nil {
		m.srv.Close() // cancels publishes in flight, marks their jobs failed
	}
	if m.stop != nil {
		m.stop()
	}
	m.bg.Wait()
	if m.reg != nil {
		if cerr := m.reg.Close(); err == nil {
			err = cerr
		}
	}
	if m.cat != nil {
		if cerr := m.cat.Close(); err == nil {
			err = cerr
		}
		m.cat = nil
	}
	if m.tmpSnaps != "" {
		os.RemoveAll(m.tmpSnaps) // snapshots are unlinked once open; open ones live on until closed
		m.tmpSnaps = ""
	}
	if m.snaps != nil {
		m.snaps.Close()
		m.snaps = nil
	}
	return err
}

// RunUntilDone runs until ctx is cancelled (SIGINT or SIGTERM in main),
// reloading the tiles directory on SIGHUP, then closes.
func (m *Main) RunUntilDone(ctx context.Context) error {
	// Listen for SIGHUP before anything is printed, so that whoever waits
	// for the "serving" line may signal at once.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := m.Run(ctx); err != nil {
		return err
	}
	for {
		select {
		case <-hup:
			m.Logger.Info("serve: SIGHUP, reloading tilesets")
			m.Reload(ctx)
		case err := <-m.served:
			// The server stopped by itself (the listener failed).
			m.cancel() // stops the metrics listener and background work
			m.cancel = nil
			m.Close()
			return err
		case <-ctx.Done():
			m.Logger.Info("serve: stopping")
			return m.Close()
		}
	}
}
