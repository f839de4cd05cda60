package demodata

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/twpayne/go-proj/v11"
)

// tm3SonLa is VN-2000 / TM-3 104-00 with the EPSG:6960 shift (DOMAIN.md
// section 1), spelled out so the output does not depend on which
// transformation a PROJ database prefers.
const tm3SonLa = "+proj=tmerc +lat_0=0 +lon_0=104 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 " +
	"+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278 +units=m +no_defs"

// SonLaCityCode is the GSO code of Thành phố Sơn La in the dvhcvn data.
const SonLaCityCode = "116"

// Son La city's wards and communes (dvhcvn, before July 2025), placed
// roughly where they lie along the valley.
var sonLaWards = []ward{
	{"Phường Tô Hiệu", "TH", 0, 150},
	{"Phường Chiềng Lề", "CL", -900, 500},
	{"Phường Quyết Thắng", "QT", 600, -450},
	{"Phường Quyết Tâm", "QTA", 1900, 400},
	{"Phường Chiềng Sinh", "CS", 3900, -100},
	{"Phường Chiềng An", "CA", -800, -1200},
	{"Phường Chiềng Cơi", "CC", 2600, -1200},
	{"Xã Chiềng Ngần", "CN", 4400, 1300},
	{"Xã Hua La", "HL", 1800, 1500},
	{"Xã Chiềng Xôm", "CX", -2700, 1300},
	{"Xã Chiềng Đen", "CD", -3200, -900},
	{"Xã Chiềng Cọ", "CCO", -1900, -1500},
}

var sonLaStreets = []string{
	"Đường Chu Văn Thịnh", "Đường Tô Hiệu", "Đường Lò Văn Giá", "Đường Nguyễn Lương Bằng",
	"Đường Điện Biên", "Đường 3 Tháng 2", "Đường Hoàng Quốc Việt", "Đường Lê Duẩn",
	"Đường Xuân Thủy", "Đường Trần Đăng Ninh", "Đường Nguyễn Văn Linh", "Đường Lê Thái Tông",
	"Đường Khau Cả", "Đường Hai Bà Trưng", "Đường Lê Đức Thọ", "Đường Nguyễn Chí Thanh",
	"Đường Lý Thái Tổ", "Đường Phạm Văn Đồng", "Đường 26 Tháng 8", "Đường Tuệ Tĩnh",
	"Đường Bế Văn Đàn", "Đường Cách Mạng Tháng Tám", "Đường Nguyễn Du", "Đường Tôn Đức Thắng",
	"Đường Hoàng Văn Thụ", "Đường Trần Hưng Đạo", "Đường Lê Lợi", "Đường Võ Nguyên Giáp",
}

// SonLaLayers are the layer (file) names of the sample plan.
var SonLaLayers = []string{"landuse", "roads", "facilities"}

// SonLa generates the sample zoning plan of Son La city into dir as GeoJSON
// files in EPSG:9206 (landuse.geojson, roads.geojson, facilities.geojson).
// boundaries is the dvhcvn province and districts GeoJSON (WGS 84): the
// plan is placed inside the city's real boundary.
func SonLa(boundaries, dir string) error {
	city, err := cityRing(boundaries)
	if err != nil {
		return err
	}
	pj, err := proj.NewCRSToCRS("+proj=longlat +datum=WGS84 +no_defs", tm3SonLa, nil)
	if err != nil {
		return fmt.Errorf("demodata: proj: %w", err)
	}
	toTM3 := func(lon, lat float64) (pt, error) {
		c, err := pj.Forward(proj.NewCoord(lon, lat, 0, 0))
		if err != nil {
			return pt{}, fmt.Errorf("demodata: proj: %w", err)
		}
		return pt{c.X(), c.Y()}, nil
	}
	ring := make([]pt, len(city))
	for i, ll := range city {
		if ring[i], err = toTM3(ll[0], ll[1]); err != nil {
			return err
		}
	}
	// The city centre (DOMAIN.md: 103.9188°E 21.3256°N).
	centre, err := toTM3(103.9188, 21.3256)
	if err != nil {
		return err
	}
	t := layout(townSpec{
		Center:      centre.rounded(),
		Bearing:     125, // Quốc lộ 6 runs north-west to south-east through the city
		UMin:        -3400,
		UMax:        4200,
		VHalf:       1500,
		Seed:        20250701,
		Mask:        func(p pt) bool { return inRing(p, ring) },
		Wards:       sonLaWards,
		Streets:     sonLaStreets,
		River:       "Suối Nậm La",
		National:    "Quốc lộ 6",
		Provincial:  "Đường tỉnh 106",
		FacilityOut: true,
	})
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demodata: %w", err)
	}
	for name, fs := range map[string][]Feature{"landuse": t.out, "roads": t.roads, "facilities": t.facilities} {
		if err := writeFile(filepath.Join(dir, name+".geojson"), name, fs); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, name string, fs []Feature) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("demodata: %w", err)
	}
	if err := WriteCollection(f, name, fs); err != nil {
		f.Close()
		return fmt.Errorf("demodata: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("demodata: write %s: %w", path, err)
	}
	return nil
}

// cityRing returns the outer ring (lon, lat) of Son La city's largest
// polygon from the dvhcvn GeoJSON.
func cityRing(path string) ([][2]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("demodata: %w", err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Ma string `json:"ma"`
			} `json:"properties"`
			Geometry struct {
				Type        string           `json:"type"`
				Coordinates [][][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fmt.Errorf("demodata: %s: %w", path, err)
	}
	for _, f := range fc.Features {
		if f.Properties.Ma != SonLaCityCode || f.Geometry.Type != "MultiPolygon" {
			continue
		}
		var best [][2]float64
		for _, poly := range f.Geometry.Coordinates {
			if len(poly) > 0 && len(poly[0]) > len(best) {
				best = poly[0]
			}
		}
		if best != nil {
			return best, nil
		}
	}
	return nil, fmt.Errorf("demodata: %s: no MultiPolygon with ma=%s", path, SonLaCityCode)
}
