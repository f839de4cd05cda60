package search_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/sonla-gis/plantile/pkg/feature"
	"github.com/sonla-gis/plantile/pkg/index"
	"github.com/sonla-gis/plantile/pkg/search"
)

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Đường Tô Hiệu", "duong to hieu"},
		{"Xã Chiềng Đen", "xa chieng den"},
		{"CHIỀNG  ĐEN", "chieng den"},
		{"CD-001-02", "cd 001 02"},
		{"  --Bản Mé--  ", "ban me"},
		{"Nguyễn Lương Bằng", "nguyen luong bang"},
		{"e\u0301", "e"}, // decomposed input
		{"", ""},
		{"!!!", ""},
	} {
		if got := search.Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// layer builds a point layer with one feature per property map.
func layer(t testing.TB, name string, props []feature.Properties) *index.Layer {
	t.Helper()
	b := index.NewBuilder(feature.LayerInfo{Name: name})
	for i, p := range props {
		f := &feature.Feature{Row: int64(i + 1), Geometry: orb.Point{103.9 + float64(i%1000)*1e-4, 21.3 + float64(i/1000)*1e-4}, Properties: p}
		if err := b.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	return b.Layer()
}

func roads(t testing.TB) *index.Layer {
	names := []string{"Đường Tô Hiệu", "Đường Tô Hiến Thành", "Đường Chu Văn Thịnh", "Tô Hiệu", "Đường Lò Văn Giá", "Đường Tô Hiệu", "Ngõ 12 Tô Hiệu"}
	var ps []feature.Properties
	for i, n := range names {
		ps = append(ps, feature.Properties{"ten_duong": n, "loai": "Đường nội thị", "so": int64(i)})
	}
	return layer(t, "roads", ps)
}

func TestClassify(t *testing.T) {
	var ps []feature.Properties
	for i := 0; i < 200; i++ {
		ps = append(ps, feature.Properties{
			"ma_o":   fmt.Sprintf("CD-%03d-%02d", i/10, i%10),
			"phuong": []string{"Xã Chiềng Đen", "Phường Tô Hiệu"}[i%2],
			"ten":    fmt.Sprintf("Nhà văn hóa bản %d", i),
			"dt":     float64(i),
			"ghi":    "",
		})
	}
	l := layer(t, "parcels", ps)
	kinds := search.Classify(l)
	want := map[string]search.FieldKind{"ma_o": search.Code, "phuong": search.NotSearched, "ten": search.Name, "dt": search.NotSearched, "ghi": search.NotSearched}
	for f, fl := range l.Schema().Fields {
		if w, ok := want[fl.Name]; ok && kinds[f] != w {
			t.Errorf("field %s: %v, want %v", fl.Name, kinds[f], w)
		}
	}
}

func TestFind(t *testing.T) {
	l := roads(t)
	x := search.Build(l)
	label := func(h search.Hit) string { return x.Label(h) }
	for _, tc := range []struct {
		q     string
		want  []string // labels, in order
		ranks []search.Rank
	}{
		// Exact with diacritics first, then folded exact, then whole words
		// (shorter first), then prefixes.
		{"Tô Hiệu", []string{"Tô Hiệu", "Đường Tô Hiệu", "Đường Tô Hiệu", "Ngõ 12 Tô Hiệu"},
			[]search.Rank{search.Exact, search.Word, search.Word, search.Word}},
		{"to hieu", []string{"Tô Hiệu", "Đường Tô Hiệu", "Đường Tô Hiệu", "Ngõ 12 Tô Hiệu"},
			[]search.Rank{search.Folded, search.Word, search.Word, search.Word}},
		{"TO HIEU", []string{"Tô Hiệu", "Đường Tô Hiệu", "Đường Tô Hiệu", "Ngõ 12 Tô Hiệu"}, nil},
		{"to hie", []string{"Tô Hiệu", "Đường Tô Hiệu", "Đường Tô Hiệu", "Ngõ 12 Tô Hiệu", "Đường Tô Hiến Thành"},
			[]search.Rank{search.Prefix, search.Prefix, search.Prefix, search.Prefix, search.Prefix}},
		{"duong lo", []string{"Đường Lò Văn Giá"}, []search.Rank{search.Word}},
		{"duong lo va", []string{"Đường Lò Văn Giá"}, []search.Rank{search.Prefix}},
		{"van thinh", []string{"Đường Chu Văn Thịnh"}, []search.Rank{search.Word}},
		{"inh", []string{"Đường Chu Văn Thịnh"}, []search.Rank{search.Substring}},
		{"nội thị", nil, nil}, // loai is shared by every road: not searched
		{"???", nil, nil},
		{"xyz", nil, nil},
	} {
		hits := x.Find(tc.q, 10)
		var got []string
		for _, h := range hits {
			got = append(got, label(h))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Find(%q) = %q, want %q", tc.q, got, tc.want)
			continue
		}
		for k, r := range tc.ranks {
			if hits[k].Rank != r {
				t.Errorf("Find(%q)[%d] rank %v, want %v", tc.q, k, hits[k].Rank, r)
			}
		}
	}
	if n := len(x.Find("duong", 2)); n != 2 {
		t.Errorf("limit 2: %d hits", n)
	}
}

func TestFindCodes(t *testing.T) {
	var ps []feature.Properties
	for i := 0; i < 300; i++ {
		ps = append(ps, feature.Properties{"ma_o": fmt.Sprintf("CD-%03d-%02d", i/10, i%10)})
	}
	ps = append(ps, feature.Properties{"ma_o": "CD-001-020"})
	l := layer(t, "parcels", ps)
	x := search.Build(l)
	for _, q := range []string{"CD-001-02", "cd-001-02", "cd 001 02"} {
		hits := x.Find(q, 10)
		if len(hits) == 0 || x.Label(hits[0]) != "CD-001-02" || hits[0].Rank > search.Folded {
			t.Fatalf("Find(%q) = %v", q, hits)
		}
		for _, h := range hits[1:] {
			if h.Rank <= search.Folded {
				t.Errorf("Find(%q): %q also ranked %v", q, x.Label(h), h.Rank)
			}
		}
	}
	// Codes do not match in the middle.
	if hits := x.Find("001-02", 10); len(hits) != 0 {
		t.Errorf("mid-code match: %v", hits)
	}
}

func TestBuildWith(t *testing.T) {
	l := roads(t)
	x, err := search.BuildWith(l, search.Options{Names: []string{"loai"}})
	if err != nil {
		t.Fatal(err)
	}
	if hits := x.Find("noi thi", 100); len(hits) != l.Len() {
		t.Errorf("configured field: %d hits, want %d", len(hits), l.Len())
	}
	if hits := x.Find("to hieu", 10); len(hits) != 0 {
		t.Errorf("unconfigured field searched: %v", hits)
	}
	if _, err := search.BuildWith(l, search.Options{Codes: []string{"nope"}}); err == nil {
		t.Error("unknown field accepted")
	}
	cfg, err := search.ParseConfig(`{"roads":{"names":["ten_duong"],"codes":[]}}`)
	if err != nil || len(cfg["roads"].Names) != 1 {
		t.Errorf("ParseConfig: %v %v", cfg, err)
	}
	if _, err := search.ParseConfig(`[1]`); err == nil {
		t.Error("ParseConfig accepted an array")
	}
}

// TestFindMatchesScan compares Find with a linear scan over random names:
// every feature Find returns matches, with the rank a scan gives.
func TestFindMatchesScan(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	syl := []string{"Tô", "Hiệu", "Đen", "Chiềng", "Bản", "Mé", "Sơn", "La", "Cơi", "Nà", "Ngần"}
	var ps []feature.Properties
	var names []string
	for i := 0; i < 500; i++ {
		n := ""
		for k := 0; k <= rng.IntN(3); k++ {
			n += syl[rng.IntN(len(syl))] + " "
		}
		names = append(names, n)
		ps = append(ps, feature.Properties{"ten": n})
	}
	x, err := search.BuildWith(layer(t, "l", ps), search.Options{Names: []string{"ten"}})
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < 200; k++ {
		q := syl[rng.IntN(len(syl))]
		q = q[:1+rng.IntN(len(q)-1)]
		fq := search.Fold(q)
		want := 0
		for _, n := range names {
			if fq != "" && contains(search.Fold(n), fq) {
				want++
			}
		}
		if fq == "" {
			continue
		}
		hits := x.Find(q, 1000)
		if len(hits) != want {
			t.Fatalf("Find(%q): %d hits, scan finds %d", q, len(hits), want)
		}
		for j := 1; j < len(hits); j++ {
			if hits[j].Rank < hits[j-1].Rank {
				t.Fatalf("Find(%q): rank order broken at %d", q, j)
			}
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestOptionsFor(t *testing.T) {
	var ps []feature.Properties
	for i := range 50 {
		ps = append(ps, feature.Properties{
			"ma_o":   fmt.Sprintf("CD-%03d", i),
			"phuong": "Phường Tô Hiệu",
			"so":     int64(i),
		})
	}
	l := layer(t, "landuse", ps)
	for _, tc := range []struct {
		fields       []string
		names, codes string
		err          string
	}{
		{fields: []string{"ma_o", "phuong"}, names: "phuong", codes: "ma_o"},
		{fields: []string{"ma_o:name", "phuong:code"}, names: "ma_o", codes: "phuong"},
		{fields: nil, names: "", codes: ""},
		{fields: []string{"nope"}, err: `no field "nope"`},
		{fields: []string{"so"}, err: `"so" is not text`},
		{fields: []string{"ma_o:id"}, err: `kind "id"`},
		{fields: []string{"ma_o", "ma_o:name"}, err: "named twice"},
	} {
		o, err := search.OptionsFor(l, tc.fields)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: err %v, want %q", tc.fields, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.fields, err)
			continue
		}
		if strings.Join(o.Names, ",") != tc.names || strings.Join(o.Codes, ",") != tc.codes || o.Names == nil || o.Codes == nil {
			t.Errorf("%v: names %q codes %q, want %q %q", tc.fields, o.Names, o.Codes, tc.names, tc.codes)
		}
		// The options build an index searching those fields only.
		x, err := search.BuildWith(l, o)
		if err != nil {
			t.Fatal(err)
		}
		hits := x.Find("to hieu", 1)
		if want := strings.Contains(tc.names, "phuong"); (len(hits) > 0) != want {
			t.Errorf("%v: Find(to hieu) = %v, want hits: %v", tc.fields, hits, want)
		}
	}
}

// refRank is how a value ranks for q by the rules of the package
// documentation, read off the strings: the reference Find is checked
// against.
func refRank(value, fv, q string, code bool) (search.Rank, bool) {
	fq := search.Fold(q)
	switch {
	case fq == "" || fv == "":
		return 0, false
	case fv == fq:
		if strings.ToLower(strings.TrimSpace(value)) == strings.ToLower(strings.TrimSpace(q)) {
			return search.Exact, true
		}
		return search.Folded, true
	case code:
		return search.Prefix, strings.HasPrefix(fv, fq)
	case strings.Contains(" "+fv+" ", " "+fq+" "):
		return search.Word, true
	case strings.Contains(" "+fv, " "+fq):
		return search.Prefix, true
	case strings.Contains(fv, fq):
		return search.Substring, true
	}
	return 0, false
}

// TestFindTopK compares Find with a scan that ranks every feature by
// refRank: for random names, codes and queries (whole words, prefixes,
// single letters, codes), the hits must be the scan's best in its order
// (rank, then folded length; ties in any order), with no feature
// returned twice, at several limits.
func TestFindTopK(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	syl := []string{"Tô", "Hiệu", "Đen", "Chiềng", "Bản", "Mé", "Sơn", "La", "Cơi", "Nà", "Ngần", "Xã", "Phường", "a"}
	var ps []feature.Properties
	for i := 0; i < 3000; i++ {
		n := ""
		for k := 0; k <= rng.IntN(4); k++ {
			n += syl[rng.IntN(len(syl))] + " "
		}
		// Codes of two shapes, so that a code continuing with a space
		// ("cd 1 05") competes with a shorter one continuing with a digit
		// ("cd 12") for a prefix "cd-1".
		code := fmt.Sprintf("CD-%d", rng.IntN(300))
		if rng.IntN(2) == 0 {
			code += fmt.Sprintf("-%02d", rng.IntN(20))
		}
		p := feature.Properties{"ten": n, "ma": code}
		if i%3 == 0 {
			p["khac"] = syl[rng.IntN(len(syl))] + " " + syl[rng.IntN(len(syl))]
		}
		ps = append(ps, p)
	}
	l := layer(t, "l", ps)
	x, err := search.BuildWith(l, search.Options{Names: []string{"ten", "khac"}, Codes: []string{"ma"}})
	if err != nil {
		t.Fatal(err)
	}
	type scored struct {
		rank search.Rank
		len  int
	}
	type value struct {
		s, folded string
		code      bool
	}
	values := make([][]value, l.Len())
	for i := range l.Len() {
		for f, fl := range l.Schema().Fields {
			if _, v := l.Value(i, f); v != nil {
				values[i] = append(values[i], value{v.(string), search.Fold(v.(string)), fl.Name == "ma"})
			}
		}
	}
	for k := 0; k < 200; k++ {
		var q string
		switch k % 4 {
		case 0:
			q = syl[rng.IntN(len(syl))] + " " + syl[rng.IntN(len(syl))]
		case 1:
			s := syl[rng.IntN(len(syl))]
			q = s[:1+rng.IntN(len(s))]
		case 2:
			q = fmt.Sprintf("cd-%d", rng.IntN(30))
		case 3:
			q = syl[rng.IntN(len(syl))]
		}
		// The reference: each feature's best (rank, folded length).
		best := map[int]scored{}
		for i, vs := range values {
			for _, v := range vs {
				r, ok := refRank(v.s, v.folded, q, v.code)
				if !ok {
					continue
				}
				sc := scored{r, len(v.folded)}
				if b, seen := best[i]; !seen || sc.rank < b.rank || sc.rank == b.rank && sc.len < b.len {
					best[i] = sc
				}
			}
		}
		var all []scored
		for _, sc := range best {
			all = append(all, sc)
		}
		slices.SortFunc(all, func(a, b scored) int {
			if a.rank != b.rank {
				return int(a.rank) - int(b.rank)
			}
			return a.len - b.len
		})
		for _, limit := range []int{1, 10, 100} {
			hits := x.Find(q, limit)
			if want := min(limit, len(all)); len(hits) != want {
				t.Fatalf("Find(%q, %d): %d hits, want %d", q, limit, len(hits), want)
			}
			seen := map[int]bool{}
			for j, h := range hits {
				if seen[h.Feature] {
					t.Fatalf("Find(%q, %d): feature %d twice", q, limit, h.Feature)
				}
				seen[h.Feature] = true
				if got := (scored{h.Rank, h.Len}); got != all[j] || best[h.Feature] != got {
					t.Fatalf("Find(%q, %d)[%d] = feature %d %v %d, want %v %d (its best %v)", q, limit, j, h.Feature, h.Rank, h.Len, all[j].rank, all[j].len, best[h.Feature])
				}
			}
		}
	}
}
