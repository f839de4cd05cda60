package server

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/sonla-gis/plantile/pkg/index"
)

// FeatureReader is what the Registry needs to load a tileset's exact
// features; *mbtiles.Reader implements it. A TileReader without it (or a
// file without stored features) serves tiles only.
type FeatureReader interface {
	// Features returns the stored layers, nil when there are none.
	Features(ctx context.Context) ([]*index.Layer, error)
	// Version returns the build's version id, "" when it has none.
	Version() string
}

// VersionHeader is the response header naming the tileset version that
// answered (Tileset.Version): tiles, TileJSON and feature queries carry
// it, so that a client can tell which published version it is reading.
const VersionHeader = "Plantile-Version"

// Layers returns the exact features of this version of the tileset, one
// index.Layer per layer in build order; nil for a file without stored
// features. They belong to this Tileset value: a request that got the
// Tileset from Registry.Get reads tiles and features of one version.
func (t *Tileset) Layers() []*index.Layer { return t.layers }

// Layer returns the named feature layer of this version, or nil.
func (t *Tileset) Layer(name string) *index.Layer {
	for _, l := range t.layers {
		if l.Info().Name == name {
			return l
		}
	}
	return nil
}

// Version returns the identity of this version: the version id written by
// `plantile build` (metadata plantile:version), or, for files without one,
// an id derived from the file's identity (device, inode, size, time).
func (t *Tileset) Version() string { return t.versionID }

// loadFeatures loads the features and version id of a file being opened.
func (r *Registry) loadFeatures(ctx context.Context, name string, rd TileReader, id fileID) ([]*index.Layer, string, error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/%d/%d", id.dev, id.ino, id.size, id.mtime)
	version := fmt.Sprintf("file-%016x", h.Sum64())
	fr, ok := rd.(FeatureReader)
	if !ok {
		return nil, version, nil
	}
	if v := fr.Version(); v != "" {
		version = v
	}
	start := time.Now()
	layers, err := fr.Features(ctx)
	if err != nil {
		return nil, "", err
	}
	n := 0
	for _, l := range layers {
		n += l.Len()
	}
	if layers != nil {
		r.log.Info("server: features loaded", "tileset", name, "layers", len(layers), "features", n, "version", version, "took", time.Since(start).Round(time.Millisecond))
	}
	return layers, version, nil
}
