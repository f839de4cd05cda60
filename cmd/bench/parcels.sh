#!/usr/bin/env bash
# parcels.sh N: prints the path of the benchmark shapefile of N parcels
# (.work/bench/sonla-parcels-100k.shp for N=100000), generating it first if
# it is missing: plantile-demo writes deterministic parcels (seed 1) in
# VN-2000 / TM-3 104-00 with Vietnamese attributes as GeoJSONSeq, and GDAL's
# ogr2ogr turns them into a UTF-8 shapefile with a .prj, so that an
# independent writer made the file. Every benchmark script uses this set.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=$1
DIR=${BENCH_DIR:-.work/bench}
human=$(awk -v n="$n" 'BEGIN { if (n >= 1000000) printf "%gM", n/1000000; else if (n >= 1000) printf "%gk", n/1000; else printf "%d", n }')
name="sonla-parcels-$human"
shp="$DIR/$name.shp"
if [ ! -f "$shp" ]; then
	mkdir -p "$DIR"
	echo "parcels.sh: generating $shp" >&2
	go build -o "$DIR/plantile-demo" ./cmd/plantile-demo
	"$DIR/plantile-demo" bench -count "$n" -seed 1 -out "$DIR/$name.geojsonseq"
	rm -f "$DIR/$name".{shp,shx,dbf,prj,cpg}
	ogr2ogr -f "ESRI Shapefile" -a_srs EPSG:9206 -lco ENCODING=UTF-8 "$shp.tmp.shp" "$DIR/$name.geojsonseq"
	for ext in shp shx dbf prj cpg; do mv "$shp.tmp.$ext" "$DIR/$name.$ext"; done
fi
echo "$shp"
