package vntext_test

import (
	"fmt"

	"github.com/sonla-gis/plantile/pkg/vntext"
)

func ExampleEncoding_Decode() {
	fmt.Println(vntext.TCVN3.Decode([]byte("Th\xB5nh ph\xE8 S\xACn La")))
	fmt.Println(vntext.VNI.Decode([]byte("\xD1\xF6\xF4\xF8ng To\xE2 Hie\xE4u")))
	// Output:
	// Thành phố Sơn La
	// Đường Tô Hiệu
}

func ExampleDetector() {
	var d vntext.Detector
	for _, v := range []string{"Huy\xD6n Thu\xCBn Ch\xA9u", "Huy\xD6n M\xAD\xEAng La", "Th\xB5nh ph\xE8 S\xACn La"} {
		d.Add([]byte(v), false)
	}
	r := d.Result()
	fmt.Println(r.Encoding, vntext.Level(r.Confidence))
	// Output:
	// TCVN3 medium
}
