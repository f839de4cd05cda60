package ogcapi

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"sort"
	"strconv"
)

//go:embed templates/*.html
var templateFS embed.FS

// HTML renders the documents as pages a planner can browse: UTF-8,
// Vietnamese and English labels, every value escaped by html/template.
type HTML struct{ t *template.Template }

// NewHTML parses the embedded templates.
func NewHTML() (*HTML, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"html_href":    htmlHref,
		"json_href":    jsonHref,
		"feature_href": featureHref,
		"value":        formatValue,
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("ogcapi: templates: %w", err)
	}
	return &HTML{t: t}, nil
}

// htmlHref returns the href of the first HTML link with rel; "alternate"
// also finds the page itself, for documents linked from a list.
func htmlHref(links []Link, rel string) string {
	for _, l := range links {
		if l.Rel == rel && l.Type == MediaHTML {
			return l.Href
		}
	}
	return ""
}

func jsonHref(links []Link) string {
	for _, l := range links {
		if l.Rel == RelSelf {
			return l.Href
		}
	}
	return ""
}

func featureHref(base, collection string, id any) string {
	return base + "/collections/" + url.PathEscape(collection) + "/items/" + url.PathEscape(FeatureID(id)) + "?f=html"
}

// formatValue writes a property value for a table cell: nil as empty,
// floats without exponent noise.
func formatValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// Landing renders the landing page with the collections listed.
func (h *HTML) Landing(w io.Writer, s Service, lp LandingPage, cs Collections) error {
	return h.exec(w, "landing", map[string]any{"Base": s.BaseURL, "Page": lp, "Collections": cs})
}

// Collections renders /collections.
func (h *HTML) Collections(w io.Writer, s Service, cs Collections) error {
	return h.exec(w, "collections", map[string]any{"Base": s.BaseURL, "Collections": cs})
}

// Collection renders /collections/{id}.
func (h *HTML) Collection(w io.Writer, s Service, c Collection) error {
	return h.exec(w, "collection", map[string]any{"Base": s.BaseURL, "Collection": c})
}

// Items renders an items page: a table with one row per feature (the id
// links to the feature's page) and one column per field of fields, in
// that order (the schema's order, or the properties= subset), with
// previous and next links.
func (h *HTML) Items(w io.Writer, s Service, c Collection, fc FeatureCollection, fields []string) error {
	return h.exec(w, "items", map[string]any{"Base": s.BaseURL, "Collection": c, "Items": fc, "Fields": fields})
}

// Feature renders one feature: its properties in fields' order and its
// geometry type.
func (h *HTML) Feature(w io.Writer, s Service, c Collection, f Feature, fields []string) error {
	gt := ""
	if f.Geometry != nil {
		gt = f.Geometry.Type
	}
	return h.exec(w, "feature", map[string]any{"Base": s.BaseURL, "Collection": c, "Feature": f, "Fields": fields, "GeometryType": gt})
}

func (h *HTML) exec(w io.Writer, name string, data any) error {
	if err := h.t.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("ogcapi: render %s: %w", name, err)
	}
	return nil
}

// Conformance renders /conformance.
func (h *HTML) Conformance(w io.Writer, s Service, c Conformance) error {
	return h.exec(w, "conformance", map[string]any{"Base": s.BaseURL, "Conformance": c})
}

// API renders the API documentation page (rel=service-doc): the paths
// and query parameters of the OpenAPI document doc (Service.OpenAPI), and
// the page size limits.
func (h *HTML) API(w io.Writer, s Service, doc map[string]any) error {
	type path struct{ Path, Summary string }
	type param struct{ Name, Description string }
	var paths []path
	if ps, ok := doc["paths"].(map[string]any); ok {
		for p, v := range ps {
			sum := ""
			if op, ok := v.(map[string]any)["get"].(map[string]any); ok {
				sum, _ = op["summary"].(string)
			}
			paths = append(paths, path{p, sum})
		}
	}
	sort.Slice(paths, func(i, j int) bool { return paths[i].Path < paths[j].Path })
	var params []param
	if c, ok := doc["components"].(map[string]any); ok {
		if ps, ok := c["parameters"].(map[string]any); ok {
			for _, v := range ps {
				if m, ok := v.(map[string]any); ok && m["in"] == "query" {
					n, _ := m["name"].(string)
					d, _ := m["description"].(string)
					params = append(params, param{n, d})
				}
			}
		}
	}
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	return h.exec(w, "api", map[string]any{"Base": s.BaseURL, "Service": s, "Paths": paths, "Params": params})
}
