// Package vntext reads Vietnamese text held in the legacy font encodings of
// pre-Unicode GIS data, and recognises which encoding a set of strings is in.
//
// Much provincial planning data was digitised in MapInfo or ArcView with the
// .VnTime fonts (TCVN3, TCVN 5712:1993 VN3, "ABC": one byte per letter) or
// the VNI-Times fonts (VNI-Windows: a base letter followed by a tone or shape
// byte). Their .dbf files name no encoding and their bytes are valid
// Windows-1252, so a reader that trusts them shows mojibake: "Thµnh phè S¬n
// La" (TCVN3) or "Thaønh phoá Sôn La" (VNI) for "Thành phố Sơn La".
//
// Encoding.Append decodes TCVN3, VNI, Windows-1258, Windows-1252 and UTF-8 to
// UTF-8 in NFC; Encode writes TCVN3 and VNI (for tests and tools). The tables
// follow the published ones (TCVN 5712:1993 as in glibc's TCVN5712-1 charmap,
// which also places the capitals that the VN3 font set lacks; VNI-Windows as
// described by the VNI and Unikey keyboard documentation).
//
// A Detector is fed the text values of a layer and decides between UTF-8,
// Windows-1258, TCVN3, VNI and Windows-1252 by how many of the distinct
// words that hold non-ASCII bytes decode to valid Vietnamese syllables
// (IsSyllable) under each candidate, with a confidence. Latin-script text
// that is not Vietnamese (French, English, Spanish names) makes few valid
// syllables under any Vietnamese candidate and stays Windows-1252.
//
// The package imports nothing of plantile's own: pkg/source/shapefile uses it
// to choose a .dbf's encoding, and it is meant for diacritic-insensitive name
// matching too.
package vntext
