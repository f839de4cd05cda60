package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/catalog"
	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/mbtiles"
)

// Swapper is what serves the catalog's layers (the server's Registry):
// Reload makes it serve each layer's current version as the catalog now
// says.
type Swapper interface {
	Reload(ctx context.Context) error
}

// Version is one catalog publish: the layer, who publishes it, what the
// catalog records (title, owner, the raw upload's hash) and the pipeline
// options. Request.Out and Request.Version are set by PublishVersion.
type Version struct {
	Layer   string
	By      catalog.Principal
	New     catalog.NewVersion
	Request Request
}

// PublishVersion builds a new version of a catalog layer and switches it
// in. Its Request always has RequireDBF and RefuseOutside set. In order:
//
//  1. record the version (pending, then building) in the catalog;
//  2. build it with Run beside the served versions: the file is written
//     under a hidden temporary name, synced, then renamed to
//     layers/L/L.vN.mbtiles (mbtiles.Writer.Commit);
//  3. commit the catalog transaction that makes it current (Publish);
//  4. ask swap to serve it.
//
// A failure in 2 marks the version failed with its reasons; a failure in 3
// removes the file; either way the previous version keeps serving, and no
// temporary file is left. A failure in 4 (the server refused the file)
// leaves the previous version serving although the catalog names the new
// one: it is returned and the next reload tries again. Files of versions
// retired by retention are deleted after the swap.
func PublishVersion(ctx context.Context, cat *catalog.Catalog, v Version, swap Swapper, progress func(Event)) (catalog.Version, *Result, error) {
	cv, err := cat.AddVersion(ctx, v.By, v.Layer, v.New)
	if err != nil {
		return catalog.Version{}, nil, fmt.Errorf("publish: %w", err)
	}
	fail := func(err error) (catalog.Version, *Result, error) {
		// The context may be what failed: record the failure regardless.
		_ = cat.FailVersion(context.WithoutCancel(ctx), v.By, v.Layer, cv.Number, reasonsJSON(err))
		cv.Status = catalog.Failed
		return cv, nil, err
	}
	if err := cat.StartVersion(ctx, v.By, v.Layer, cv.Number); err != nil {
		return fail(fmt.Errorf("publish: %w", err))
	}
	q := v.Request
	// A catalog version is planning data served on a map of Vietnam: its
	// features need their attributes and must land in Vietnam.
	q.RequireDBF, q.RefuseOutside = true, true
	q.Out = cat.Path(cv.File)
	q.Version = fmt.Sprintf("%s@v%d", v.Layer, cv.Number)
	if q.Name == "" {
		// The tileset's name (TileJSON, the web map) is the layer's title
		// as the catalog now has it: this version's, or the one kept.
		q.Name = v.Layer
		if l, err := cat.Layer(ctx, v.Layer); err == nil && l.Title != "" {
			q.Name = l.Title
		}
	}
	res, err := Run(ctx, q, progress)
	if err != nil {
		return fail(err)
	}
	var bounds *[4]float64
	if b := res.Bounds; b != (orb.Bound{}) {
		bounds = &[4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	}
	msgs, _ := json.Marshal(notes(res))
	retired, err := cat.Publish(ctx, v.By, v.Layer, cv.Number, catalog.VersionResult{
		FeatureCount: res.FeatureCount(), Bounds: bounds, CRS: res.SourceCRS(), Messages: msgs,
	})
	if err != nil {
		// Never a file served whose transaction failed.
		os.Remove(q.Out)
		return fail(fmt.Errorf("publish: %w", err))
	}
	cv.Status = catalog.Published
	if swap != nil {
		if err := swap.Reload(ctx); err != nil {
			return cv, res, fmt.Errorf("publish: version %d of %s is published but not yet served: %w", cv.Number, v.Layer, err)
		}
	}
	removeFiles(cat, retired)
	return cv, res, nil
}

// Rollback makes version n of layer current again (a catalog change, no
// rebuild) and asks swap to serve it.
func Rollback(ctx context.Context, cat *catalog.Catalog, by catalog.Principal, layer string, n int, swap Swapper) (catalog.Layer, error) {
	l, err := cat.Rollback(ctx, by, layer, n)
	if err != nil {
		return l, fmt.Errorf("publish: %w", err)
	}
	if swap != nil {
		if err := swap.Reload(ctx); err != nil {
			return l, fmt.Errorf("publish: layer %s rolled back to version %d but not yet served: %w", layer, n, err)
		}
	}
	return l, nil
}

// Recover is the crash-recovery step of startup, before serving: versions
// and jobs a stopped process left unfinished are marked failed
// (catalog.RecoverInterrupted), their files are removed, and so are the
// temporary files of writers under the layers and sources directories
// and the version files that no published version owns (a crash after a
// catalog commit that retired versions or deleted a layer, before their
// files were deleted). It returns the recovered versions.
func Recover(ctx context.Context, cat *catalog.Catalog, by catalog.Principal) (catalog.Recovered, error) {
	rec, err := cat.RecoverInterrupted(ctx, by)
	if err != nil {
		return rec, fmt.Errorf("publish: recover: %w", err)
	}
	files := make([]string, 0, len(rec.Versions))
	for _, v := range rec.Versions {
		files = append(files, v.File)
	}
	removeFiles(cat, files)
	// Hidden entries are the temporary files of writers (mbtiles.Create
	// names them .NAME.tmp-pPID-*, catalog.StoreSource .upload-*): at
	// startup, before any build, no writer of this data directory is
	// alive in this process.
	for _, root := range []string{cat.Path("layers"), cat.Path("sources")} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || path == root {
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") {
				os.RemoveAll(path)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
	}
	if err := removeUnowned(ctx, cat); err != nil {
		return rec, fmt.Errorf("publish: recover: %w", err)
	}
	return rec, nil
}

// versionName is a version file's name inside its layer's directory
// (catalog.VersionFile): LAYER.vN.mbtiles.
var versionName = regexp.MustCompile(`^(.+)\.v[0-9]+\.mbtiles$`)

// removeUnowned deletes the files under layers/ named like a version file
// of their directory's layer that are not the file of a published
// version, and the directories this empties. Other files are left alone.
func removeUnowned(ctx context.Context, cat *catalog.Catalog) error {
	ls, err := cat.Layers(ctx)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, l := range ls {
		vs, err := cat.Versions(ctx, l.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if v.Status == catalog.Published {
				keep[filepath.Clean(cat.Path(v.File))] = true
			}
		}
	}
	root := cat.Path("layers")
	dirs, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(root, d.Name())
		es, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		for _, e := range es {
			path := filepath.Join(dir, e.Name())
			if m := versionName.FindStringSubmatch(e.Name()); m != nil && m[1] == d.Name() && e.Type().IsRegular() && !keep[path] {
				os.Remove(path)
			}
		}
		os.Remove(dir) // only if now empty
	}
	return nil
}

func removeFiles(cat *catalog.Catalog, files []string) {
	for _, f := range files {
		if err := os.Remove(cat.Path(f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			continue // left for an operator; it is no longer served either way
		}
	}
}

// notes lists what a published version left out or found odd, for the
// catalog's messages.
func notes(res *Result) []Reason {
	out := []Reason{}
	for _, l := range res.Layers {
		out = append(out, l.Dropped...)
		out = append(out, l.Bad...)
		for _, o := range l.Outliers.Rows {
			out = append(out, Reason{File: l.Info.Source, Feature: o.Row, Cause: "outlier: " + o.Reason})
		}
	}
	return out
}

// reasonsJSON words a failure as the catalog's messages (Reasons as JSON).
func reasonsJSON(err error) json.RawMessage {
	b, _ := json.Marshal(Reasons(err))
	return b
}

// Reasons words a failure as the reasons a person can act on: every Reason
// of a refusal, one reason naming the file and feature of a reading error,
// else one reason with the error's text. Nil for a nil error.
func Reasons(err error) []Reason {
	var re *RefusedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return re.Reasons
	}
	if fe, ok := feature.AsError(err); ok {
		return []Reason{{File: fe.File, Feature: fe.Record, Cause: err.Error()}}
	}
	return []Reason{{Cause: err.Error()}}
}

// ImportFile publishes an MBTiles file that is already built (the bundled
// demo) as a new version of a catalog layer: the file is copied beside the
// served versions under a hidden temporary name, synced, renamed to the
// version's file, and then the catalog transaction makes it current. The
// copy is not checked here: the server's registry checks every file it
// loads and keeps the previous version when one is refused.
func ImportFile(ctx context.Context, cat *catalog.Catalog, v Version, src string, res catalog.VersionResult) (catalog.Version, error) {
	cv, err := cat.AddVersion(ctx, v.By, v.Layer, v.New)
	if err != nil {
		return catalog.Version{}, fmt.Errorf("publish: %w", err)
	}
	fail := func(err error) (catalog.Version, error) {
		_ = cat.FailVersion(context.WithoutCancel(ctx), v.By, v.Layer, cv.Number, reasonsJSON(err))
		return cv, err
	}
	if err := cat.StartVersion(ctx, v.By, v.Layer, cv.Number); err != nil {
		return fail(fmt.Errorf("publish: %w", err))
	}
	dst := cat.Path(cv.File)
	id := fmt.Sprintf("%s@v%d", v.Layer, cv.Number)
	if err := copyAtomic(src, dst, func(tmp string) error { return mbtiles.StampVersion(tmp, id) }); err != nil {
		return fail(fmt.Errorf("publish: import %s: %w", filepath.Base(src), err))
	}
	if _, err := cat.Publish(ctx, v.By, v.Layer, cv.Number, res); err != nil {
		os.Remove(dst)
		return fail(fmt.Errorf("publish: %w", err))
	}
	cv.Status = catalog.Published
	return cv, nil
}

// copyAtomic copies src to dst through a hidden temporary file in dst's
// directory, synced before the rename and the directory after it; prepare
// runs on the closed temporary copy before it is renamed.
func copyAtomic(src, dst string, prepare func(tmp string) error) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, in); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := prepare(tmp.Name()); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // some file systems refuse; the rename is done either way
		d.Close()
	}
	return nil
}
