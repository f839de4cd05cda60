// Package demodata generates synthetic planning data for Son La: the sample
// zoning plan of Son La city committed under testdata/sonla, and the large
// parcel datasets of the reader benchmarks.
//
// It sits outside the serving pipeline: its output is input for it. Every
// byte it writes follows from a seed, so a regenerated dataset is identical
// to the committed one (a test checks that) and benchmark runs compare like
// with like. It uses its own small PRNG and formats numbers itself, so that
// a new Go release cannot change the data.
//
// Coordinates are VN-2000 / TM-3 104-00 (EPSG:9206) metres, like the plans
// Son La's districts actually exchange.
package demodata
