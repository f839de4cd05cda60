#!/usr/bin/env bash
# readback.sh FILE.mbtiles LAYER ZOOM EXPECTED: reads every feature of LAYER
# at ZOOM back through GDAL's MBTiles/MVT driver and checks that the distinct
# feature ids number EXPECTED (features cut by tile edges appear once per
# tile; merged by id, every source feature must be there exactly once).
set -euo pipefail
file=$1 layer=$2 zoom=$3 want=$4
got=$(ogr2ogr -f CSV /vsistdout/ "$file" "$layer" -oo ZOOM_LEVEL="$zoom" -select mvt_id 2>/dev/null |
	tail -n +2 | sort -u | wc -l)
echo "readback: $file layer $layer z$zoom: $got distinct ids through GDAL, source has $want"
[ "$got" -eq "$want" ]
