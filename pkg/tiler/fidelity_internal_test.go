package tiler

import (
	"math"
	"testing"
)

// TestFidelityDeterministic measures the same zones many times: the worst
// share error must come out the same to the last bit, whatever the order
// in which Go walks the maps of areas by value.
func TestFidelityDeterministic(t *testing.T) {
	e := &encoder{t: &Tiler{opts: Options{Extent: 4096}}}
	lz := zoneLayerArea{exact: map[uint32]float64{}, drawn: map[uint32]float64{}}
	for c := range uint32(60) {
		// Magnitudes far apart, so that the sums depend on their order.
		lz.exact[c] = math.Pow(3.7, float64(c%23)) + 1/float64(c+3)
		if c%3 != 0 {
			lz.drawn[c] = math.Pow(3.1, float64(c%19)) + 1/float64(c+7)
		}
	}
	lz.drawn[99] = 12345.678 // drawn, not in the exact data
	e.zoneLayers = []zoneLayerArea{lz}
	first := e.fidelity()
	if first < 0 || math.IsNaN(first) {
		t.Fatalf("fidelity %v, want a share error", first)
	}
	for range 200 {
		if got := e.fidelity(); got != first {
			t.Fatalf("fidelity %v, then %v: not deterministic", first, got)
		}
	}
}
