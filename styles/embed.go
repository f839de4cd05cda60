package styles

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed *.json fonts/*.ttf fonts/*.txt
var files embed.FS

// fontFiles are the bundled fonts, the default ("Noto Sans Regular") first.
var fontFiles = []string{
	"fonts/NotoSans-Regular.ttf",
	"fonts/NotoSans-Bold.ttf",
}

// FS returns the bundled files: the style documents (*.json) at the root and
// the fonts with their licence under fonts/.
func FS() fs.FS { return files }

// Fonts returns the bundled TrueType fonts, the default first, ready for
// glyphs.New.
func Fonts() ([][]byte, error) {
	out := make([][]byte, 0, len(fontFiles))
	for _, name := range fontFiles {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("styles: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}
