package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// Style documents are stored with server-relative URLs, the convention
// shared with the web map: a source's "url" is "/tiles/NAME.json", its
// "tiles" (if any) "/tiles/NAME/{z}/{x}/{y}.pbf", "glyphs" is
// "/fonts/{fontstack}/{range}.pbf" and "sprite" "/sprites/NAME". The server
// makes every URL that starts with a single "/" absolute against BaseURL,
// because QGIS's style converter and MapLibre's style validator need
// absolute URLs. Other URLs (https://... basemaps) are left alone.

// handleStyle answers GET /styles/{name}.json. Files that are not styles
// (such as the land-use palette landuse.json) are served as they are.
func (s *Server) handleStyle(w http.ResponseWriter, r *http.Request) error {
	name := mux.Vars(r)["name"]
	if s.styles == nil || !validName(name) {
		return errorf(KindNotFound, "no style %q", clip(name))
	}
	b, err := fs.ReadFile(s.styles, name+".json")
	if errors.Is(err, fs.ErrNotExist) {
		return errorf(KindNotFound, "no style %q", clip(name))
	}
	if err != nil {
		return fmt.Errorf("server: style %s: %w", name, err)
	}
	out, err := absolutizeStyle(b, s.BaseURL(r))
	if err != nil {
		return fmt.Errorf("server: style %s: %w", name, err)
	}
	return s.writeBody(w, r, "application/json", out)
}

// absolutizeStyle rewrites the server-relative URLs of a MapLibre style
// (sources' url and tiles, glyphs, sprite) against base. The other members
// are kept byte for byte; JSON that is not a style is returned unchanged.
func absolutizeStyle(b []byte, base string) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if _, ok := doc["version"]; !ok {
		return b, nil
	}
	if raw, ok := doc["sources"]; ok {
		var sources map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &sources); err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		for _, src := range sources {
			if err := rewriteString(src, "url", base); err != nil {
				return nil, err
			}
			if raw, ok := src["tiles"]; ok {
				var tiles []string
				if err := json.Unmarshal(raw, &tiles); err != nil {
					return nil, fmt.Errorf("tiles: %w", err)
				}
				for i := range tiles {
					tiles[i] = absolute(base, tiles[i])
				}
				src["tiles"] = marshal(tiles)
			}
		}
		doc["sources"] = marshal(sources)
	}
	if err := rewriteString(doc, "glyphs", base); err != nil {
		return nil, err
	}
	if raw, ok := doc["sprite"]; ok {
		var one string
		var many []map[string]json.RawMessage
		switch {
		case json.Unmarshal(raw, &one) == nil:
			doc["sprite"] = marshal(absolute(base, one))
		case json.Unmarshal(raw, &many) == nil:
			for _, sp := range many {
				if err := rewriteString(sp, "url", base); err != nil {
					return nil, err
				}
			}
			doc["sprite"] = marshal(many)
		default:
			return nil, errors.New("sprite is neither a string nor an array")
		}
	}
	// Keep the usual order of a style's members (json.Marshal would sort
	// them), so the document reads like the file.
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	order := func(k string) int {
		i := slices.Index([]string{"version", "name", "metadata", "center", "zoom", "bearing", "pitch", "sources", "sprite", "glyphs", "transition", "light", "layers"}, k)
		if i < 0 {
			return 100
		}
		return i
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		if d := order(a) - order(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	var out bytes.Buffer
	out.WriteString("{\n")
	for i, k := range keys {
		if i > 0 {
			out.WriteString(",\n")
		}
		out.Write(marshal(k))
		out.WriteString(": ")
		out.Write(doc[k])
	}
	out.WriteString("\n}\n")
	return out.Bytes(), nil
}

func rewriteString(m map[string]json.RawMessage, key, base string) error {
	raw, ok := m[key]
	if !ok {
		return nil
	}
	var u string
	if err := json.Unmarshal(raw, &u); err != nil {
		return fmt.Errorf("%s is not a string: %w", key, err)
	}
	m[key] = marshal(absolute(base, u))
	return nil
}

// marshal encodes v without HTML escaping; v is always encodable here.
func marshal(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("server: marshal: " + err.Error()) // programmer error: only strings and maps of raw JSON
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// StyleSummary is one entry of GET /styles.
type StyleSummary struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// styleList returns the style documents (JSON with "version" and
// "layers") sorted by id.
func (s *Server) styleList(base string) ([]StyleSummary, error) {
	out := []StyleSummary{}
	if s.styles == nil {
		return out, nil
	}
	names, err := fs.Glob(s.styles, "*.json")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		id := strings.TrimSuffix(n, ".json")
		if !validName(id) {
			continue
		}
		b, err := fs.ReadFile(s.styles, n)
		if err != nil {
			return nil, err
		}
		var st struct {
			Version *int            `json:"version"`
			Name    string          `json:"name"`
			Layers  json.RawMessage `json:"layers"`
		}
		if json.Unmarshal(b, &st) != nil || st.Version == nil || st.Layers == nil {
			continue
		}
		out = append(out, StyleSummary{ID: id, Title: st.Name, URL: base + "/styles/" + n})
	}
	return out, nil
}

// handleStyles answers GET /styles: the style documents.
func (s *Server) handleStyles(w http.ResponseWriter, r *http.Request) error {
	list, err := s.styleList(s.BaseURL(r))
	if err != nil {
		return fmt.Errorf("server: styles: %w", err)
	}
	return s.writeJSON(w, r, "application/json", struct {
		Styles []StyleSummary `json:"styles"`
	}{list})
}
