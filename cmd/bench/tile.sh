#!/usr/bin/env bash
# Tiling benchmark: plantile build against GDAL's MBTiles driver (ogr2ogr),
# same input, same zooms (10..16), same machine, in the same run.
#
#   bash cmd/bench/tile.sh               # 100k parcels
#   SIZES="100k 1m" bash cmd/bench/tile.sh
#   SKIP_GDAL=1 bash cmd/bench/tile.sh   # plantile only (no ratios)
#
# Input: the parcel shapefiles of cmd/bench/parcels.sh (VN-2000 / TM-3
# 104-00 with a .prj, deterministic), the same as read.sh's.
# Prints wall time, peak RSS, tiles, tile bytes and the largest tile for
# both tools, and plantile's ratios to GDAL; then the weight of each zoom
# for both (tiles, bytes, median and largest tile) and plantile's zone
# fidelity (the worst tile's land-use share error, from its summary).
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZES=${SIZES:-100k}
MINZOOM=${MINZOOM:-10}
MAXZOOM=${MAXZOOM:-16}
DIR=.work/bench
mkdir -p "$DIR" bin

for tool in ogr2ogr sqlite3 /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "tile.sh: $tool is missing (make deps-bench; apt-get install time)" >&2; exit 1; }
done

go build -o bin/plantile ./cmd/plantile

count() {
	case $1 in
	*k) echo $(( ${1%k} * 1000 )) ;;
	*m) echo $(( ${1%m} * 1000000 )) ;;
	*) echo "$1" ;;
	esac
}

# measure NAME OUT CMD...: runs CMD under /usr/bin/time -v, then reads the
# tiles of OUT; prints one line and sets the globals wall, rss, tiles,
# bytes, largest.
measure() {
	local name=$1 out=$2
	shift 2
	rm -f "$out"
	local log
	log=$(mktemp)
	if ! /usr/bin/time -v "$@" >"$log.out" 2>"$log"; then
		cat "$log.out" "$log" >&2
		exit 1
	fi
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
	read -r tiles bytes largest < <(sqlite3 -separator ' ' "$out" \
		"select count(*), coalesce(sum(length(tile_data)),0), coalesce(max(length(tile_data)),0) from tiles")
	if [ "$name" = plantile ]; then
		fidelity=$(grep -o 'within [0-9.]* percentage points' "$log.out" | awk '{print $2}')
		worstat=$(grep -o 'worst tile [0-9/]*' "$log.out" | awk '{print $3}')
	fi
	rm -f "$log" "$log.out"
	printf '%-9s %-8s %9.2f s %9d KB %8d tiles %12d bytes %9d largest\n' "$size" "$name" "$wall" "$rss" "$tiles" "$bytes" "$largest"
}

# zooms FILE: tiles, bytes, median and largest tile of each zoom.
zooms() {
	sqlite3 -separator ' ' "$1" "select zoom_level, length(tile_data) from tiles order by zoom_level, length(tile_data)" |
		awk '{ z=$1; n[z]++; s[z]+=$2; v[z, n[z]]=$2; if ($2 > m[z]) m[z]=$2 }
		END { for (z in n) printf "%d %d %d %d %d\n", z, n[z], s[z], v[z, int(n[z]/2)+1], m[z] }' | sort -n
}

# weight SIZE: the per-zoom table of both files, side by side.
weight() {
	local p="$DIR/plantile_$1.mbtiles" g="$DIR/gdal_$1.mbtiles"
	printf '%-9s %4s | %8s %12s %9s %9s | %8s %12s %9s %9s | %6s\n' "$1" zoom "tiles" "plantile" median largest "tiles" "gdal" median largest ratio
	join <(zooms "$p") <( [ -f "$g" ] && zooms "$g" || zooms "$p" | awk '{print $1, 0, 0, 0, 0}') |
		awk -v s="$1" '{ r = ($7 > 0) ? sprintf("%.3f", $3/$7) : "-";
			printf "%-9s %4d | %8d %12d %9d %9d | %8d %12d %9d %9d | %6s\n", s, $1, $2, $3, $4, $5, $6, $7, $8, $9, r }'
	echo "$1 zones: worst tile $worstat within ${fidelity:--} percentage points of the exact land-use shares"
}

for size in $SIZES; do
	shp=$(bash cmd/bench/parcels.sh "$(count "$size")")
	measure plantile "$DIR/plantile_$size.mbtiles" \
		./bin/plantile build "$shp" --minzoom "$MINZOOM" --maxzoom "$MAXZOOM" -q -o "$DIR/plantile_$size.mbtiles"
	pw=$wall prss=$rss pt=$tiles pb=$bytes pl=$largest
	# GDAL must read every parcel back at the max zoom.
	bash cmd/bench/readback.sh "$DIR/plantile_$size.mbtiles" "$(basename "$shp" .shp)" "$MAXZOOM" "$(count "$size")"
	if [ -n "${SKIP_GDAL:-}" ]; then
		rm -f "$DIR/gdal_$size.mbtiles"
		weight "$size"
		continue
	fi
	measure gdal "$DIR/gdal_$size.mbtiles" \
		ogr2ogr -f MBTILES -t_srs EPSG:3857 -dsco MINZOOM="$MINZOOM" -dsco MAXZOOM="$MAXZOOM" \
		"$DIR/gdal_$size.mbtiles" "$shp"
	awk -v pw="$pw" -v gw="$wall" -v pr="$prss" -v gr="$rss" -v pb="$pb" -v gb="$bytes" -v pl="$pl" -v gl="$largest" -v s="$size" 'BEGIN {
		printf "%-9s ratio    GDAL/plantile time %.1fx, plantile/GDAL RSS %.2f, bytes %.3f, largest tile %.3f\n", s, gw/pw, pr/gr, pb/gb, pl/gl
	}'
	weight "$size"
	if [ "$pl" -gt 500000 ]; then
		echo "tile.sh: plantile wrote a tile of $pl bytes (> 500 KB)" >&2
		exit 1
	fi
done
