package vntext_test

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

// Vietnamese texts the fixtures are made from: district and street names,
// the land-use names of DOMAIN.md section 2, capitals, numbers and long
// sentences.
var (
	districts = []string{
		"Thành phố Sơn La", "Huyện Quỳnh Nhai", "Huyện Thuận Châu", "Huyện Mường La",
		"Huyện Bắc Yên", "Huyện Phù Yên", "Huyện Mộc Châu", "Huyện Yên Châu",
		"Huyện Mai Sơn", "Huyện Sông Mã", "Huyện Sốp Cộp", "Huyện Vân Hồ",
	}
	streets = []string{
		"Đường Tô Hiệu", "Đường Chu Văn Thịnh", "Phố Lò Văn Giá", "Đường Trường Chinh",
		"Ngõ 12 đường Nguyễn Lương Bằng", "Đường 3/2", "Phường Chiềng Lề", "Bản Mé, xã Chiềng Đen",
		"Tổ 7, phường Quyết Thắng", "Quốc lộ 6 (km 302+500)", "Đường Lê Duẩn", "Suối Nậm La",
	}
	landUse = []string{
		"Đất ở tại đô thị", "Đất ở tại nông thôn", "Đất thương mại, dịch vụ",
		"Đất xây dựng trụ sở cơ quan", "Đất xây dựng cơ sở giáo dục và đào tạo",
		"Đất xây dựng cơ sở y tế", "Đất xây dựng cơ sở văn hóa", "Đất xây dựng cơ sở thể dục thể thao",
		"Đất khu vui chơi, giải trí công cộng", "Đất giao thông", "Đất thủy lợi", "Đất khu công nghiệp",
		"Đất cơ sở sản xuất phi nông nghiệp", "Đất quốc phòng", "Đất an ninh", "Đất nghĩa trang, nhà tang lễ",
		"Đất sông, ngòi, kênh, rạch, suối", "Đất chuyên trồng lúa nước", "Đất trồng cây lâu năm",
		"Đất rừng sản xuất", "Đất rừng phòng hộ", "Đất rừng đặc dụng",
	}
	capitals = []string{
		"THÀNH PHỐ SƠN LA", "ĐẤT Ở TẠI ĐÔ THỊ", "ĐẤT RỪNG PHÒNG HỘ", "UỶ BAN NHÂN DÂN TỈNH SƠN LA",
		"Ủy ban nhân dân", "ĐƯỜNG TÔ HIỆU", "KHU ĐÔ THỊ MỚI", "QUY HOẠCH CHUNG", "Ấp Ẳng", "Ỷ LAN",
	}
	numbers = []string{
		"Lô 15-ODT", "Thửa số 234, tờ bản đồ số 12", "Diện tích 1.250,5 m2", "Năm 2030",
		"QĐ số 1676/QĐ-UBND ngày 12/10/2023", "Ô đất A1-03", "Khu 2 - 45 hộ",
	}
	sentences = []string{
		"Quy hoạch sử dụng đất đến năm 2030, tầm nhìn đến năm 2050 của thành phố Sơn La được phê duyệt.",
		"Khu vực phía bắc bố trí đất công trình dịch vụ - công cộng, đất cây xanh sử dụng công cộng và đất hỗn hợp.",
		"Người dân được hỗ trợ tái định cư khi nhà nước thu hồi đất để xây dựng đường giao thông liên xã.",
		"Đất công nghiệp - kho tàng, đất hạ tầng kỹ thuật, đất an ninh - quốc phòng giữ nguyên hiện trạng.",
	}
	allVietnamese = concat(districts, streets, landUse, capitals, numbers, sentences)

	// French, Spanish, German and English names, as Windows-1252 holds
	// them: they must not be read as Vietnamese.
	western = []string{
		"Château de Versailles", "Hôtel de Ville", "Rue de la Paix", "Champs-Élysées", "Gare Saint-Lazare",
		"Forêt de Fontainebleau", "Île-de-France", "École élémentaire Jules Ferry", "Résidence les Pins",
		"Marché couvert", "Préfecture de la Haute-Garonne", "Café du Théâtre", "Noël à Paris",
		"Crème brûlée", "São Paulo", "Zürich Hauptbahnhof", "Málaga", "Córdoba", "Peñíscola",
		"Straße des 17. Juni", "Köln-Mülheim", "Façade sud", "Naïve résumé", "Zone d'activités économiques",
		"Parc de la Tête d'Or", "Lycée Voltaire", "Cité universitaire", "Bibliothèque François-Mitterrand",
	}
	english = []string{"Main Street", "Riverside Park", "Plot 12-A", "Industrial Zone", "Forest reserve 3"}
)

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// encode1258 writes s in Windows-1258 as Windows writes it: the letters
// the code page has whole (â ê ô ơ ư ă đ and some toned ones) as one
// byte, and a tone the letter lacks as a combining byte after it.
func encode1258(s string) ([]byte, error) {
	enc := charmap.Windows1258
	var out []byte
	for _, r := range norm.NFC.String(s) {
		if b, ok := enc.EncodeRune(r); ok {
			out = append(out, b)
			continue
		}
		var rest, tones []rune
		for _, m := range norm.NFD.String(string(r)) {
			if strings.ContainsRune("\u0300\u0301\u0303\u0309\u0323", m) {
				tones = append(tones, m)
			} else {
				rest = append(rest, m)
			}
		}
		base := []rune(norm.NFC.String(string(rest)))
		bb, ok1 := enc.EncodeRune(base[0])
		if len(base) != 1 || len(tones) != 1 || !ok1 {
			return nil, fmt.Errorf("%q has no windows-1258 code", r)
		}
		mb, ok2 := enc.EncodeRune(tones[0])
		if !ok2 {
			return nil, fmt.Errorf("%q has no windows-1258 code", r)
		}
		out = append(out, bb, mb)
	}
	return out, nil
}

// encodeAll writes texts in e (TCVN3, VNI, windows-1258 or -1252).
func encodeAll(e vntext.Encoding, texts []string) ([][]byte, error) {
	var out [][]byte
	for _, s := range texts {
		var b []byte
		var err error
		switch e {
		case vntext.Windows1258:
			b, err = encode1258(s)
		case vntext.Windows1252:
			b, err = charmap.Windows1252.NewEncoder().Bytes([]byte(s))
		case vntext.UTF8:
			b = []byte(s)
		default:
			b, err = vntext.Encode(e, s)
		}
		if err != nil {
			return nil, fmt.Errorf("%v: %q: %w", e, s, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func join(texts []string) string { return strings.Join(texts, " | ") }
