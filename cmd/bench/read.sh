#!/usr/bin/env bash
# Reader speed: GDAL against plantile, reading and reprojecting every feature
# of a parcel shapefile in VN-2000 / TM-3 104-00 (EPSG:9206) to WGS 84.
#
#   bash cmd/bench/read.sh                 # 100k and 1M parcels
#   COUNTS=100000 bash cmd/bench/read.sh   # 100k only
#
# Prints, per dataset and tool: wall time, features/s, peak RSS, and the
# ratio plantile/GDAL. Datasets are generated once (deterministic, seed 1)
# into .work/bench/, which git ignores.
#
# Environment: COUNTS (feature counts), BENCH_DIR (default .work/bench),
# PLANTILE (binary, default bin/plantile), PLANTILE_ARGS (the plantile
# command, default "export"), RUNS (runs per tool, the fastest is kept).
#
# Both sides do the same work: read the .shp/.dbf, decode the UTF-8
# attributes, reproject every vertex from EPSG:9206 to WGS 84 with PROJ
# (EPSG:6960 Helmert), and write every feature as one GeoJSON line to a pipe.
# GDAL writes 7 decimals (its GeoJSONSeq default); plantile writes the
# shortest exact decimal (up to 17 digits), so its output is larger.
set -euo pipefail
cd "$(dirname "$0")/../.."

COUNTS=${COUNTS:-"100000 1000000"}
DIR=${BENCH_DIR:-.work/bench}
PLANTILE=${PLANTILE:-bin/plantile}
RUNS=${RUNS:-1}
PLANTILE_ARGS=${PLANTILE_ARGS:-"export"}

# The two commands measured. Each reads all features of $1 (a .shp) and
# reprojects them to WGS 84, writing to stdout. To measure another plantile
# command (e.g. `plantile export --format geojsonseq`), change plantile_read.
gdal_read() { ogr2ogr -f GeoJSONSeq /vsistdout/ "$1" -t_srs EPSG:4326; }
# shellcheck disable=SC2086 # PLANTILE_ARGS is a list of words
plantile_read() { "$PLANTILE" $PLANTILE_ARGS "$1"; }
export -f gdal_read plantile_read
export PLANTILE PLANTILE_ARGS

need() { command -v "$1" >/dev/null 2>&1 || { echo "read.sh: $1 not found; run make deps-bench" >&2; exit 1; }; }
need ogr2ogr
need go
if [ ! -x /usr/bin/time ]; then
	echo "read.sh: /usr/bin/time not found; installing the time package" >&2
	sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get install -y -qq time >/dev/null
fi

# Build plantile when missing or older than any Go source.
if [ ! -x "$PLANTILE" ] || [ -n "$(find cmd pkg -name '*.go' -newer "$PLANTILE" 2>/dev/null | head -1)" ]; then
	echo "read.sh: building $PLANTILE" >&2
	go build -o "$PLANTILE" ./cmd/plantile
fi

mkdir -p "$DIR"

human() { awk -v n="$1" 'BEGIN { if (n >= 1000000) printf "%gM", n/1000000; else if (n >= 1000) printf "%gk", n/1000; else printf "%d", n }'; }

# measure NAME FUNC FILE: runs FUNC FILE under /usr/bin/time -v and sets
# WALL (seconds, best of RUNS), RSS (MB, of that run) and OK (1 or 0).
measure() {
	local fn=$2 file=$3 log best="" rss="" i wall kb
	log=$(mktemp)
	OK=1
	for ((i = 0; i < RUNS; i++)); do
		if ! /usr/bin/time -v bash -c "$fn \"\$0\"" "$file" >/dev/null 2>"$log"; then
			OK=0
			ERR=$(grep -v -e '^\s' -e 'Command exited' "$log" | tail -1)
			break
		fi
		wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s*60 + p[k]; print s }' "$log")
		kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
		if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall
			rss=$((kb / 1024))
		fi
	done
	rm -f "$log"
	WALL=$best
	RSS=$rss
}

printf '%-6s %-9s %9s %12s %9s\n' count tool wall_s features/s rss_MB
for n in $COUNTS; do
	name="sonla-parcels-$(human "$n")"
	shp=$(bash cmd/bench/parcels.sh "$n")
	cat "$DIR/$name".{shp,shx,dbf} >/dev/null # warm the page cache for both

	measure gdal gdal_read "$shp"
	g_wall=$WALL
	printf '%-6s %-9s %9.2f %12.0f %9d\n' "$(human "$n")" gdal "$WALL" "$(awk -v n="$n" -v w="$WALL" 'BEGIN { print n/w }')" "$RSS"

	measure plantile plantile_read "$shp"
	if [ "$OK" = 1 ]; then
		printf '%-6s %-9s %9.2f %12.0f %9d\n' "$(human "$n")" plantile "$WALL" "$(awk -v n="$n" -v w="$WALL" 'BEGIN { print n/w }')" "$RSS"
		awk -v p="$WALL" -v g="$g_wall" -v n="$(human "$n")" 'BEGIN { printf "%-6s ratio     plantile is %.1fx as fast as GDAL (goal: 3x)\n", n, g/p }'
	else
		printf '%-6s %-9s failed (%s): %s\n' "$(human "$n")" plantile "$PLANTILE_ARGS" "$ERR"
	fi
done
