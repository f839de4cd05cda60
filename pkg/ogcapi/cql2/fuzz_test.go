package cql2_test

import (
	"testing"

	"github.com/sonla-gis/plantile/pkg/ogcapi/cql2"
)

// checkParsed is what every parsed filter must satisfy: its cql2-text form
// parses back to the same text, binding either succeeds or names a
// property, and a bound filter compiles, evaluates without panicking and
// has a SQL form.
func checkParsed(t *testing.T, e cql2.Expr) {
	text := e.String()
	e2, err := cql2.ParseText(text)
	if err != nil {
		t.Fatalf("String() %q does not parse: %v", text, err)
	}
	if text2 := e2.String(); text2 != text {
		t.Fatalf("round trip changed the filter:\n%s\n%s", text, text2)
	}
	if _, err := cql2.ToSQL(e, "geom"); err != nil {
		t.Fatalf("ToSQL(%s): %v", text, err)
	}
	cql2.Bound(e)
	if err := cql2.Bind(e, cql2.Queryables{Schema: schema}); err != nil {
		return
	}
	for _, d := range []cql2.Dictionary{nil, dict{}} {
		pred, err := cql2.Compile(e, d)
		if err != nil {
			// Only a bad LIKE pattern may fail after Bind.
			continue
		}
		for _, r := range records {
			var rr cql2.Record = r
			if d != nil {
				rr = coded{r}
			}
			pred(rr)
		}
	}
}

func FuzzCQL2Text(f *testing.F) {
	for _, c := range evalCases {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := cql2.ParseText(s)
		if err != nil {
			return
		}
		checkParsed(t, e)
	})
}

func FuzzCQL2JSON(f *testing.F) {
	for _, c := range evalCases {
		if c.json != "" {
			f.Add([]byte(c.json))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := cql2.ParseJSON(b)
		if err != nil {
			return
		}
		checkParsed(t, e)
	})
}
