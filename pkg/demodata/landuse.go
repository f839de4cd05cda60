package demodata

// Source is the nguon (source) attribute of every generated feature: the
// data must never be mistaken for an official plan.
const Source = "Dữ liệu mẫu - không phải quy hoạch chính thức"

// LandUse is a land-use category of the Land Law (DOMAIN.md section 2).
type LandUse struct {
	Code string // ma_dat
	Name string // ten_dat
}

// landUses lists the categories in DOMAIN.md order.
var landUses = []LandUse{
	{"ODT", "Đất ở tại đô thị"},
	{"ONT", "Đất ở tại nông thôn"},
	{"TMD", "Đất thương mại, dịch vụ"},
	{"TSC", "Đất xây dựng trụ sở cơ quan"},
	{"DGD", "Đất xây dựng cơ sở giáo dục và đào tạo"},
	{"DYT", "Đất xây dựng cơ sở y tế"},
	{"DVH", "Đất xây dựng cơ sở văn hóa"},
	{"DTT", "Đất xây dựng cơ sở thể dục thể thao"},
	{"DKV", "Đất khu vui chơi, giải trí công cộng"},
	{"DGT", "Đất giao thông"},
	{"DTL", "Đất thủy lợi"},
	{"SKK", "Đất khu công nghiệp"},
	{"SKC", "Đất cơ sở sản xuất phi nông nghiệp"},
	{"CQP", "Đất quốc phòng"},
	{"CAN", "Đất an ninh"},
	{"NTD", "Đất nghĩa trang, nhà tang lễ"},
	{"SON", "Đất sông, ngòi, kênh, rạch, suối"},
	{"LUC", "Đất chuyên trồng lúa nước"},
	{"CLN", "Đất trồng cây lâu năm"},
	{"RSX", "Đất rừng sản xuất"},
	{"RPH", "Đất rừng phòng hộ"},
	{"RDD", "Đất rừng đặc dụng"},
}

// LandUses returns the land-use categories the generator uses.
func LandUses() []LandUse { return append([]LandUse(nil), landUses...) }

func landUseName(code string) string {
	for _, l := range landUses {
		if l.Code == code {
			return l.Name
		}
	}
	panic("demodata: unknown land-use code " + code)
}

// zone is how far a block lies from the town centre.
type zone int

const (
	zoneCore zone = iota
	zoneInner
	zoneOuter
	zoneFringe
)

type weights struct {
	codes []string
	w     []float64
}

// zoneMix is the land-use mix of each zone: dense housing in the core,
// services scattered, farming and forest at the edge.
var zoneMix = map[zone]weights{
	zoneCore: {
		[]string{"ODT", "TMD", "TSC", "DGD", "DYT", "DVH", "DTT", "DKV", "CAN"},
		[]float64{62, 9, 6, 6, 3, 3, 2, 7, 2},
	},
	zoneInner: {
		[]string{"ODT", "ONT", "DGD", "DYT", "TMD", "SKC", "DKV", "DTT", "CQP", "NTD", "TSC", "DVH", "DTL", "LUC"},
		[]float64{52, 12, 6, 2, 5, 4, 4, 2, 2, 1, 3, 1, 1, 6},
	},
	zoneOuter: {
		[]string{"ONT", "LUC", "CLN", "SKC", "SKK", "NTD", "DGD", "RSX", "DTL"},
		[]float64{32, 20, 20, 4, 4, 2, 3, 12, 3},
	},
	zoneFringe: {
		[]string{"RSX", "RPH", "CLN", "ONT", "LUC", "RDD"},
		[]float64{34, 26, 20, 8, 7, 5},
	},
}

// lotRule says how a block of one land use is cut into lots.
type lotRule struct {
	rows             bool    // two rows back to back when the block is deep
	minFront, maxFnt float64 // lot frontage in metres
	maxLots          int     // 0: no limit
	floors           [2]int  // tang_cao range
	density          [2]int  // mat_do range, percent
}

var lotRules = map[string]lotRule{
	"ODT": {true, 22, 42, 0, [2]int{2, 7}, [2]int{60, 90}},
	"ONT": {true, 35, 70, 0, [2]int{1, 3}, [2]int{30, 60}},
	"TMD": {false, 40, 90, 4, [2]int{3, 12}, [2]int{45, 70}},
	"TSC": {false, 60, 140, 2, [2]int{3, 9}, [2]int{30, 45}},
	"DGD": {false, 70, 160, 2, [2]int{2, 5}, [2]int{25, 40}},
	"DYT": {false, 80, 160, 2, [2]int{3, 9}, [2]int{30, 45}},
	"DVH": {false, 80, 200, 2, [2]int{1, 3}, [2]int{20, 40}},
	"DTT": {false, 100, 250, 1, [2]int{1, 2}, [2]int{10, 30}},
	"DKV": {false, 100, 250, 2, [2]int{0, 1}, [2]int{2, 5}},
	"CAN": {false, 80, 200, 1, [2]int{2, 5}, [2]int{30, 45}},
	"CQP": {false, 100, 250, 1, [2]int{1, 3}, [2]int{20, 35}},
	"NTD": {false, 100, 250, 1, [2]int{0, 0}, [2]int{0, 5}},
	"SKC": {false, 50, 110, 4, [2]int{1, 2}, [2]int{50, 65}},
	"SKK": {false, 60, 120, 5, [2]int{1, 2}, [2]int{50, 70}},
	"DTL": {false, 100, 250, 1, [2]int{0, 0}, [2]int{0, 0}},
	"LUC": {false, 60, 130, 4, [2]int{0, 0}, [2]int{0, 0}},
	"CLN": {false, 70, 150, 4, [2]int{0, 0}, [2]int{0, 0}},
	"RSX": {false, 80, 250, 3, [2]int{0, 0}, [2]int{0, 0}},
	"RPH": {false, 120, 300, 2, [2]int{0, 0}, [2]int{0, 0}},
	"RDD": {false, 150, 300, 1, [2]int{0, 0}, [2]int{0, 0}},
}

// notes are the ghi_chu values, with weights for built-up and other land.
var notes = []string{"", "Hiện trạng giữ lại", "Chỉnh trang", "Xây mới", "Tái định cư", "Dự kiến mở rộng"}

var (
	notesBuilt = []float64{70, 12, 8, 6, 2, 2}
	notesOpen  = []float64{85, 10, 0, 0, 0, 5}
)
