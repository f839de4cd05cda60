package demodata

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ward is an administrative unit of a town, anchored at a local position:
// every block belongs to the nearest anchor.
type ward struct {
	name, code string
	u, v       float64
}

// townSpec describes one town to lay out. The town is a grid of blocks in a
// frame turned along its valley: u runs along the valley (bearing Bearing),
// v across it.
type townSpec struct {
	Center      pt      // TM-3 metres
	Bearing     float64 // degrees clockwise from north of the valley axis
	UMin, UMax  float64 // extent along the valley, metres
	VHalf       float64 // half width across the valley, metres
	Seed        uint64
	Mask        func(pt) bool // blocks whose centre fails are left out; nil keeps all
	Wards       []ward
	Streets     []string // names for the main streets, most central first
	River       string   // name of the river along the valley; "" for none
	National    string   // name of the national road along the valley
	Provincial  string   // name of the provincial road across the valley
	Prefix      string   // prefix of every ma_o, to keep towns apart
	FacilityOut bool     // also produce facility points
}

type roadClass struct {
	cap    string // cap_duong; "" for no road (the grid's outer lines)
	width  float64
	river  bool
	bridge bool // a road crossing the river
}

type block struct {
	p       [4]pt // shrunk corners: (0,0) (1,0) (1,1) (0,1), unrounded
	uc, vc  float64
	kept    bool
	use     string
	zone    zone
	ward    int
	rows    [][2]float64 // t ranges
	splits  [][]float64  // s splits per row, 0 and 1 included
	lotUses [][]string
}

// at is the rounded point at bilinear coordinates (s, t) of the block. Every
// shared vertex is computed by this one function from the same inputs, so
// neighbours share edges exactly.
func (b *block) at(s, t float64) pt {
	p := b.p[0].scale((1 - s) * (1 - t)).
		add(b.p[1].scale(s * (1 - t))).
		add(b.p[2].scale(s * t)).
		add(b.p[3].scale((1 - s) * t))
	return p.rounded()
}

func (b *block) bottom() []pt { // t=0, s ascending
	var out []pt
	for _, s := range b.splits[0] {
		out = append(out, b.at(s, 0))
	}
	return out
}

func (b *block) top() []pt { // t=1, s ascending
	var out []pt
	for _, s := range b.splits[len(b.splits)-1] {
		out = append(out, b.at(s, 1))
	}
	return out
}

func (b *block) side(s float64) []pt { // s=0 or 1, t ascending
	out := []pt{b.at(s, 0)}
	for _, r := range b.rows {
		out = append(out, b.at(s, r[1]))
	}
	return out
}

type town struct {
	townSpec
	r            *rng
	us, vs       []float64
	nodes        [][]pt // [i][j]
	uCls, vCls   []roadClass
	blocks       [][]*block // [i][j]
	jRiver, jNat int
	uDir, vDir   pt
	out          []Feature
	roads        []Feature
	facilities   []Feature
	roadNames    map[[3]int]string
	streetNext   int
	plannedNext  int
}

func (t *town) world(u, v float64) pt {
	return t.Center.add(t.uDir.scale(u)).add(t.vDir.scale(v))
}

func (t *town) local(p pt) (float64, float64) {
	d := p.sub(t.Center)
	return d.X*t.uDir.X + d.Y*t.uDir.Y, d.X*t.vDir.X + d.Y*t.vDir.Y
}

// gridLines returns jittered line positions from lo to hi through 0, closer
// together near 0.
func gridLines(r *rng, lo, hi, base, growth, reach float64) []float64 {
	step := func(x float64) float64 {
		return base + growth*math.Min(1, math.Abs(x)/reach) + r.between(-0.12, 0.12)*base
	}
	out := []float64{0}
	for x := 0.0; ; {
		x += step(x)
		if x > hi {
			break
		}
		out = append(out, x)
	}
	for x := 0.0; ; {
		x -= step(x)
		if x < lo {
			break
		}
		out = append(out, x)
	}
	slices.Sort(out)
	// The outer lines sit on the extent, so the grid fills it.
	out[0], out[len(out)-1] = lo, hi
	return out
}

func nearest(xs []float64, x float64, from, to int) int {
	best := from
	for i := from; i <= to; i++ {
		if math.Abs(xs[i]-x) < math.Abs(xs[best]-x) {
			best = i
		}
	}
	return best
}

// layout generates the town: blocks, lots, roads and facilities.
func layout(spec townSpec) *town {
	t := &town{townSpec: spec, r: newRNG(spec.Seed), roadNames: map[[3]int]string{}}
	b := spec.Bearing * math.Pi / 180
	t.uDir = pt{math.Sin(b), math.Cos(b)}
	t.vDir = pt{-t.uDir.Y, t.uDir.X}
	t.us = gridLines(t.r, spec.UMin, spec.UMax, 150, 170, 5000)
	t.vs = gridLines(t.r, -spec.VHalf, spec.VHalf, 120, 140, 1800)
	nu, nv := len(t.us)-1, len(t.vs)-1

	// Road classes of the lines.
	t.vCls = make([]roadClass, nv+1)
	t.uCls = make([]roadClass, nu+1)
	t.jNat = nearest(t.vs, 0.12*spec.VHalf, 1, nv-1)
	t.jRiver = -1
	if spec.River != "" {
		t.jRiver = nearest(t.vs, -0.09*spec.VHalf, 1, nv-1)
		if t.jRiver == t.jNat {
			t.jRiver--
		}
	}
	iProv := nearest(t.us, 0.25*spec.UMax, 1, nu-1)
	local := func() roadClass {
		if t.r.chance(0.5) {
			return roadClass{cap: "khu_vuc", width: 17.5}
		}
		return roadClass{cap: "noi_bo", width: 13}
	}
	for j := 1; j < nv; j++ {
		switch {
		case j == t.jNat:
			t.vCls[j] = roadClass{cap: "QL", width: 33}
		case j == t.jRiver:
			t.vCls[j] = roadClass{width: 40, river: true}
		case (j-t.jNat)%3 == 0:
			t.vCls[j] = roadClass{cap: "chinh", width: 24}
		default:
			t.vCls[j] = local()
		}
	}
	for i := 1; i < nu; i++ {
		switch {
		case i == iProv:
			t.uCls[i] = roadClass{cap: "DT", width: 27, bridge: true}
		case (i-iProv)%3 == 0:
			t.uCls[i] = roadClass{cap: "chinh", width: 24, bridge: true}
		default:
			t.uCls[i] = local()
		}
	}

	// Nodes: grid intersections, bent along a meander and jittered.
	phase := t.r.between(0, 2*math.Pi)
	t.nodes = make([][]pt, nu+1)
	for i := range t.nodes {
		t.nodes[i] = make([]pt, nv+1)
		for j := range t.nodes[i] {
			u, v := t.us[i], t.vs[j]
			v += 150 * math.Sin(u/1700+phase)
			if i > 0 && i < nu && j > 0 && j < nv {
				u += t.r.between(-10, 10)
				v += t.r.between(-10, 10)
			}
			t.nodes[i][j] = t.world(u, v)
		}
	}

	// Blocks: the cells shrunk by half the width of each surrounding road.
	t.blocks = make([][]*block, nu)
	for i := range nu {
		t.blocks[i] = make([]*block, nv)
		for j := range nv {
			t.blocks[i][j] = t.newBlock(i, j)
		}
	}
	t.assignUses()
	t.subdivide()
	t.emitLots()
	t.emitRoads()
	if spec.FacilityOut {
		t.emitFacilities()
	}
	return t
}

func (t *town) newBlock(i, j int) *block {
	n00, n10, n11, n01 := t.nodes[i][j], t.nodes[i+1][j], t.nodes[i+1][j+1], t.nodes[i][j+1]
	ob, db := offset(n00, n10, t.vCls[j].width/2)
	or, dr := offset(n10, n11, t.uCls[i+1].width/2)
	ot, dt := offset(n11, n01, t.vCls[j+1].width/2)
	ol, dl := offset(n01, n00, t.uCls[i].width/2)
	bl := &block{
		p: [4]pt{
			intersect(ol, dl, ob, db),
			intersect(ob, db, or, dr),
			intersect(or, dr, ot, dt),
			intersect(ot, dt, ol, dl),
		},
		uc:     (t.us[i] + t.us[i+1]) / 2,
		vc:     (t.vs[j] + t.vs[j+1]) / 2,
		rows:   [][2]float64{{0, 1}},
		splits: [][]float64{{0, 1}},
	}
	a := t.UMax
	if bl.uc < 0 {
		a = -t.UMin
	}
	bv := t.VHalf * (1 - 0.35*(bl.uc/a)*(bl.uc/a))
	e := math.Pow(math.Abs(bl.uc)/a, 2.4) + math.Pow(math.Abs(bl.vc)/bv, 2.4)
	bl.kept = e < 1+t.r.between(-0.15, 0.1)
	if bl.kept && t.Mask != nil {
		bl.kept = t.Mask(centroid(bl.p[:]))
	}
	rr := math.Hypot(bl.uc/a, bl.vc/t.VHalf) + t.r.between(-0.06, 0.06)
	switch {
	case rr < 0.3:
		bl.zone = zoneCore
	case rr < 0.55:
		bl.zone = zoneInner
	case rr < 0.78:
		bl.zone = zoneOuter
	default:
		bl.zone = zoneFringe
	}
	best := math.Inf(1)
	for k, w := range t.Wards {
		if d := math.Hypot(bl.uc-w.u, bl.vc-w.v); d < best {
			best, bl.ward = d, k
		}
	}
	return bl
}

func (t *town) assignUses() {
	for _, col := range t.blocks {
		for j, bl := range col {
			if !bl.kept {
				continue
			}
			mix := zoneMix[bl.zone]
			bl.use = mix.codes[t.r.weighted(mix.w)]
			byRiver := t.jRiver >= 0 && (j == t.jRiver || j+1 == t.jRiver)
			byNational := j == t.jNat || j+1 == t.jNat
			switch {
			case byRiver && bl.zone <= zoneInner && t.r.chance(0.35):
				bl.use = "DKV"
			case byNational && bl.zone == zoneCore && t.r.chance(0.4):
				bl.use = "TMD"
			}
			// Paddy lies on the valley floor, protection forest on the slopes.
			if bl.use == "LUC" && math.Abs(bl.vc) > 0.5*t.VHalf {
				bl.use = "CLN"
			}
			if bl.use == "RPH" && math.Abs(bl.vc) < 0.55*t.VHalf {
				bl.use = "RSX"
			}
		}
	}
}

func (t *town) subdivide() {
	for _, col := range t.blocks {
		for _, bl := range col {
			if !bl.kept {
				continue
			}
			rule := lotRules[bl.use]
			ls := (bl.p[1].sub(bl.p[0]).length() + bl.p[2].sub(bl.p[3]).length()) / 2
			lt := (bl.p[3].sub(bl.p[0]).length() + bl.p[2].sub(bl.p[1]).length()) / 2
			if rule.rows && lt > 70 {
				bl.rows = [][2]float64{{0, 0.5}, {0.5, 1}}
			}
			bl.splits = nil
			bl.lotUses = nil
			for range bl.rows {
				splits := []float64{0}
				for s := 0.0; ; {
					s += t.r.between(rule.minFront, rule.maxFnt) / ls
					if 1-s < 0.6*rule.minFront/ls || (rule.maxLots > 0 && len(splits) == rule.maxLots) {
						break
					}
					splits = append(splits, s)
				}
				splits = append(splits, 1)
				uses := make([]string, len(splits)-1)
				for k := range uses {
					uses[k] = bl.use
				}
				bl.splits = append(bl.splits, splits)
				bl.lotUses = append(bl.lotUses, uses)
			}
			// Housing blocks keep a lot for a kindergarten, a garden or a shop.
			if (bl.use == "ODT" || bl.use == "ONT") && t.r.chance(0.12) {
				row := t.r.intn(len(bl.rows))
				k := t.r.intn(len(bl.lotUses[row]))
				bl.lotUses[row][k] = []string{"DGD", "DKV", "TMD"}[t.r.intn(3)]
			}
		}
	}
}

// between returns the sorted values of the lists that lie in [lo, hi].
func within(lo, hi float64, lists ...[]float64) []float64 {
	var out []float64
	for _, l := range lists {
		for _, s := range l {
			if s >= lo && s <= hi {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (t *town) emitLots() {
	seq := make([]int, len(t.Wards))
	for _, col := range t.blocks {
		for _, bl := range col {
			if !bl.kept {
				continue
			}
			seq[bl.ward]++
			lot := 0
			for r, rg := range bl.rows {
				lower, upper := bl.splits[r], bl.splits[r]
				if r > 0 {
					lower = append(slices.Clone(lower), bl.splits[r-1]...)
				}
				if r < len(bl.rows)-1 {
					upper = append(slices.Clone(upper), bl.splits[r+1]...)
				}
				sp := bl.splits[r]
				for k := 0; k+1 < len(sp); k++ {
					var ring []pt
					for _, s := range within(sp[k], sp[k+1], lower) {
						ring = append(ring, bl.at(s, rg[0]))
					}
					top := within(sp[k], sp[k+1], upper)
					for n := len(top) - 1; n >= 0; n-- {
						ring = append(ring, bl.at(top[n], rg[1]))
					}
					lot++
					id := fmt.Sprintf("%s%s-%03d-%02d", t.Prefix, t.Wards[bl.ward].code, seq[bl.ward], lot)
					t.out = append(t.out, t.parcel(ccw(ring), bl.lotUses[r][k], bl.zone, bl.ward, id, ""))
				}
			}
		}
	}
}

// parcel builds a land-use feature with plausible attributes for its use.
func (t *town) parcel(ring []pt, use string, z zone, w int, id, note string) Feature {
	rule := lotRules[use]
	floors := 0
	if rule.floors[1] > 0 {
		hi := rule.floors[1]
		if z >= zoneInner && hi > 3 {
			hi = max(rule.floors[0], hi-3)
		}
		floors = t.r.intBetween(rule.floors[0], hi)
	}
	density := 0.0
	if rule.density[1] > 0 {
		density = float64(t.r.intBetween(rule.density[0]*2, rule.density[1]*2)) / 2
	}
	if note == "" {
		nw := notesOpen
		if floors > 0 {
			nw = notesBuilt
		}
		note = notes[t.r.weighted(nw)]
	}
	return Feature{Polygon: ring, Props: []Prop{
		{"ma_o", id},
		{"ma_dat", use},
		{"ten_dat", landUseName(use)},
		{"dien_tich", round(math.Abs(signedArea(ring)), 1)},
		{"tang_cao", floors},
		{"mat_do", density},
		{"phuong", t.wardName(w)},
		{"ghi_chu", note},
		{"nguon", Source},
	}}
}

func (t *town) wardName(w int) string {
	if len(t.Wards) == 0 {
		return ""
	}
	return t.Wards[w].name
}

// roadName names chunk c of line (axis, index): the national road keeps its
// name, main streets take the real names first, the rest are numbered.
func (t *town) roadName(axis, line, chunk int, cls roadClass) string {
	key := [3]int{axis, line, chunk}
	if n, ok := t.roadNames[key]; ok {
		return n
	}
	var n string
	switch {
	case cls.cap == "QL":
		n = t.National
	case cls.cap == "DT":
		n = t.Provincial
	case cls.cap == "chinh" && t.streetNext < len(t.Streets):
		n = t.Streets[t.streetNext]
		t.streetNext++
	default:
		t.plannedNext++
		n = fmt.Sprintf("Đường quy hoạch số %d", t.plannedNext)
	}
	t.roadNames[key] = n
	return n
}

func (t *town) emitRoads() {
	nu, nv := len(t.us)-1, len(t.vs)-1
	roadSeq := 0
	addPoly := func(ring []pt, use, note string, w int) {
		roadSeq++
		id := fmt.Sprintf("%s%s-%04d", t.Prefix, use, roadSeq)
		t.out = append(t.out, t.parcel(ccw(ring), use, zoneFringe, w, id, note))
	}
	addLine := func(pts []pt, name string, cls roadClass) {
		var length float64
		for k := 1; k < len(pts); k++ {
			length += pts[k].sub(pts[k-1]).length()
		}
		line := make([]pt, len(pts))
		for k, p := range pts {
			line[k] = p.rounded()
		}
		t.roads = append(t.roads, Feature{Line: line, Props: []Prop{
			{"ten_duong", name},
			{"cap_duong", cls.cap},
			{"lo_gioi", cls.width},
			{"chieu_dai", round(length, 1)},
			{"nguon", Source},
		}})
	}
	interior := func(i int) bool { return i > 0 && i < nu }
	nodeQuad := func(i, j int) []pt {
		return []pt{t.blocks[i-1][j-1].at(1, 1), t.blocks[i][j-1].at(0, 1), t.blocks[i][j].at(0, 0), t.blocks[i-1][j].at(1, 0)}
	}

	// Roads and the river along the valley (v-lines), merged into runs.
	for j := 1; j < nv; j++ {
		cls := t.vCls[j]
		present := func(e int) bool { return t.blocks[e][j-1].kept || t.blocks[e][j].kept }
		for a := 0; a < nu; {
			if !present(a) {
				a++
				continue
			}
			b := a
			for b+1 < nu && present(b+1) && !(cls.river && t.uCls[b+1].bridge) {
				b++
			}
			start := interior(a) && !(cls.river && t.uCls[a].bridge)
			end := interior(b+1) && !(cls.river && t.uCls[b+1].bridge)
			var ring []pt
			if start {
				ring = append(ring, t.blocks[a-1][j-1].at(1, 1))
			}
			for e := a; e <= b; e++ {
				ring = append(ring, t.blocks[e][j-1].top()...)
			}
			if end {
				ring = append(ring, t.blocks[b+1][j-1].at(0, 1), t.blocks[b+1][j].at(0, 0))
			}
			for e := b; e >= a; e-- {
				bot := t.blocks[e][j].bottom()
				slices.Reverse(bot)
				ring = append(ring, bot...)
			}
			if start {
				ring = append(ring, t.blocks[a-1][j].at(1, 0))
			}
			w := t.blocks[a][j].ward
			if cls.river {
				addPoly(ring, "SON", t.River, w)
				if interior(b+1) && t.uCls[b+1].bridge {
					addPoly(nodeQuad(b+1, j), "DGT", "Cầu qua "+lowerFirst(t.River), w)
				}
			} else {
				// The centre line, cut into named chunks of eight blocks.
				for c0 := a; c0 <= b; {
					c1 := min(b, (c0/8)*8+7)
					name := t.roadName(1, j, c0/8, cls)
					pts := make([]pt, 0, c1-c0+2)
					for i := c0; i <= c1+1; i++ {
						pts = append(pts, t.nodes[i][j])
					}
					addLine(pts, name, cls)
					c0 = c1 + 1
				}
				addPoly(ring, "DGT", t.roadName(1, j, a/8, cls), w)
			}
			a = b + 1
		}
	}
	// Roads across the valley (u-lines): one polygon per block edge, and
	// one line per run, cut at the river where there is no bridge.
	for i := 1; i < nu; i++ {
		cls := t.uCls[i]
		name := ""
		for k := 0; k < nv; k++ {
			if !t.blocks[i-1][k].kept && !t.blocks[i][k].kept {
				continue
			}
			if name == "" {
				name = t.roadName(0, i, 0, cls)
			}
			ring := slices.Clone(t.blocks[i-1][k].side(1))
			left := t.blocks[i][k].side(0)
			slices.Reverse(left)
			ring = append(ring, left...)
			addPoly(ring, "DGT", name, t.blocks[i][k].ward)
		}
		var run []pt
		flush := func() {
			if len(run) > 1 {
				addLine(run, name, cls)
			}
			run = nil
		}
		for k := 0; k < nv; k++ {
			if !t.blocks[i-1][k].kept && !t.blocks[i][k].kept {
				flush()
				continue
			}
			if len(run) == 0 {
				run = append(run, t.nodes[i][k])
			}
			run = append(run, t.nodes[i][k+1])
			if k+1 == t.jRiver && !cls.bridge {
				flush()
			}
		}
		flush()
	}
}

// Facility names, most important (nearest the centre) first.
var facilityNames = map[string][]string{
	"TSC": {"UBND tỉnh Sơn La", "Tỉnh ủy Sơn La", "UBND thành phố Sơn La", "Sở Xây dựng tỉnh Sơn La",
		"Sở Tài nguyên và Môi trường", "Sở Kế hoạch và Đầu tư", "Kho bạc Nhà nước tỉnh", "Sở Giáo dục và Đào tạo"},
	"DGD": {"Trường THPT Chu Văn An", "Trường THPT Tô Hiệu", "Trường THCS Chiềng Lề", "Trường Tiểu học Quyết Thắng",
		"Trường Mầm non Hoa Ban", "Trường Đại học Tây Bắc", "Trường Cao đẳng Sơn La", "Trường THPT Chuyên Sơn La",
		"Trường Tiểu học Tô Hiệu", "Trường THCS Quyết Tâm", "Trường Mầm non Hoa Hồng"},
	"DYT": {"Bệnh viện Đa khoa tỉnh Sơn La", "Bệnh viện Y học cổ truyền", "Trung tâm Y tế thành phố",
		"Bệnh viện Phục hồi chức năng", "Bệnh viện Phổi Sơn La"},
	"TMD": {"Chợ Trung tâm Sơn La", "Chợ 7-11", "Chợ Chiềng Sinh", "Chợ Quyết Thắng", "Siêu thị Sơn La"},
	"DVH": {"Bảo tàng Sơn La", "Nhà văn hóa tỉnh", "Thư viện tỉnh Sơn La", "Nhà hát tỉnh"},
	"DTT": {"Sân vận động tỉnh Sơn La", "Nhà thi đấu tỉnh", "Trung tâm Huấn luyện thể thao"},
	"DKV": {"Quảng trường Tây Bắc", "Công viên Nậm La", "Công viên Chiềng Lề", "Vườn hoa Tô Hiệu"},
}

var facilityKind = map[string]string{
	"TSC": "office", "DGD": "school", "DYT": "hospital", "TMD": "market",
	"DVH": "culture", "DTT": "sport", "DKV": "park",
}

func (t *town) emitFacilities() {
	type cand struct {
		f    Feature
		d    float64
		idx  int
		ward string
	}
	byUse := map[string][]cand{}
	for n, f := range t.out {
		use := f.Props[1].Val.(string)
		if _, ok := facilityKind[use]; !ok {
			continue
		}
		c := centroid(f.Polygon)
		u, v := t.local(c)
		byUse[use] = append(byUse[use], cand{f, math.Hypot(u, v), n, f.Props[6].Val.(string)})
	}
	var pts []cand
	for use, cs := range byUse {
		slices.SortFunc(cs, func(a, b cand) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.idx, b.idx)) })
		names := facilityNames[use]
		perWard := map[string]int{}
		for k, c := range cs {
			var name string
			switch {
			case k < len(names):
				name = names[k]
			case use == "DGD":
				perWard[c.ward]++
				short := strings.TrimPrefix(strings.TrimPrefix(c.ward, "Phường "), "Xã ")
				name = fmt.Sprintf("%s %s số %d", []string{"Trường Mầm non", "Trường Tiểu học", "Trường THCS"}[perWard[c.ward]%3], short, (perWard[c.ward]+2)/3)
			case use == "DYT":
				name = "Trạm y tế " + lowerFirst(c.ward)
			case use == "TSC":
				perWard[c.ward]++
				name = fmt.Sprintf("Trụ sở cơ quan %s số %d", strings.TrimPrefix(strings.TrimPrefix(c.ward, "Phường "), "Xã "), perWard[c.ward])
			case use == "DVH":
				name = "Nhà văn hóa " + lowerFirst(c.ward)
			default:
				continue // only the named markets, parks and stadiums
			}
			pts = append(pts, cand{Feature{Props: []Prop{{"ten", name}}}, c.d, c.idx, c.ward})
		}
	}
	slices.SortFunc(pts, func(a, b cand) int { return cmp.Compare(a.idx, b.idx) })
	for _, c := range pts {
		f := t.out[c.idx]
		p := centroid(f.Polygon).rounded()
		use := f.Props[1].Val.(string)
		t.facilities = append(t.facilities, Feature{Point: &p, Props: []Prop{
			{"ten", c.f.Props[0].Val},
			{"loai", facilityKind[use]},
			{"ma_dat", use},
			{"ma_o", f.Props[0].Val},
			{"phuong", c.ward},
			{"nguon", Source},
		}})
	}
}

// lowerFirst lowers the first letter: "Phường Tô Hiệu" → "phường Tô Hiệu".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
