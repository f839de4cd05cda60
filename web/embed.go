package web

import (
	"embed"
	"io/fs"
)

// static holds the viewer and, under vendor/, MapLibre GL JS. A fresh clone
// only has vendor/README.md there until `make deps-web` runs vendor.sh.
//
//go:embed static
var static embed.FS

// FS returns the web map's files with index.html at the root.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // "static" is a valid path: cannot happen
	}
	return sub
}

// Vendored reports whether MapLibre GL JS has been copied into the bundle;
// without it the viewer can only show how to fix that.
func Vendored() bool {
	_, err := fs.Stat(static, "static/vendor/maplibre-gl.mjs")
	return err == nil
}
