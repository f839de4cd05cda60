package tiles

import (
	"embed"
	"io/fs"
)

// files holds this directory. The pattern is "*" rather than "*.mbtiles"
// so that the package builds before the demo tilesets have been built;
// the server only picks the *.mbtiles files.
//
//go:embed *
var files embed.FS

// FS returns the bundled files; the tilesets are the *.mbtiles at the root.
func FS() fs.FS { return files }
