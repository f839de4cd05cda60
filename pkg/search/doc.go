// Package search finds the features of a layer by name or code, the way
// people type them: without diacritics, in any case.
//
// An Index is built from one index.Layer (one published version) and is
// immutable, like the layer; the server builds it when it loads the
// version and drops it with it.
//
// # Folding
//
// Text is folded before it is compared: Unicode NFD, combining marks
// removed, đ and Đ mapped to d, lower-cased, and every run of characters
// that are neither letters nor digits turned into one space. "Đường Tô
// Hiệu" folds to "duong to hieu", "CD-001-02" to "cd 001 02", so "to hieu"
// finds the first and "cd-001-02" (or "CD 001 02") the second.
//
// # Which fields
//
// Options.Names and Options.Codes name the fields explicitly. Without them
// the fields are chosen by a heuristic (Classify): a field is searched when
// its values are strings, at least half of them have a letter or a digit,
// they are short (at most MaxValueLen bytes on average), and they are
// mostly distinct (distinct values at least MinDistinctRatio of the
// features with a value): the name of each feature, not an attribute
// shared by thousands (a commune name repeated on every parcel is found in
// the commune layer, not on each parcel). A searched field whose values
// nearly all look like codes (one token of letters and digits
// joined by - . / _, with a digit, no spaces) is a code field, the others
// are name fields.
//
// # Matching and ranking
//
// Name fields match in four ways, best first: exact (equal after folding;
// equal with diacritics and case ranks above equal only after folding),
// whole word (the query is one or more whole words of the value),
// prefix (the value, or one of its words, starts with the query) and
// substring (anywhere, for up to MaxSubstringBytes of folded name text per
// layer; beyond that only word starts are indexed). Code fields match
// exactly or by prefix: "CD-001-02" finds that plot only, never
// "CD-001-020". Within a rank shorter values come first.
//
// The index is three sorted arrays of (value, offset) keys over the folded
// values of each distinct dictionary value (value starts, word starts,
// other positions), searched by binary search. A query reads the runs of
// keys that start with it, best rank first, at most MaxScan keys per
// array, and stops before a worse run once it has limit features; the best
// entries are selected with a heap of limit entries rather than a sort of
// every match. So a query costs O(log n) plus at most 3 × MaxScan keys and
// limit postings, and a one-letter query over a million values stays
// bounded.
package search
