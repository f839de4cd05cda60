#!/usr/bin/env bash
# cmd/bench/serve.sh: plantile serve against nginx serving the same tiles as
# static gzip files, with wrk on loopback (64 connections, 1,000+ real tile
# URLs from z12..z16 cycled by a Lua script). Prints requests/s and p99
# latency of both and their ratio.
#
# Environment:
#   BENCH_TILESET  MBTiles file to serve (default: .work/bench/plantile_1m.mbtiles,
#                  else the largest .work/bench/*1m*.mbtiles, else the largest
#                  .work/bench/*.mbtiles, else one built with `plantile build`
#                  from the largest .work/bench/*.shp into
#                  .work/bench/bench-parcels.mbtiles, else the largest
#                  tiles/*.mbtiles)
#   PLANTILE_BIN   plantile binary (default: bin/plantile, else built from the tree)
#   DURATION       wrk duration per measured run (default 15s)
#   CONNECTIONS    wrk connections (default 64)
#   URLS           number of tile URLs (default 2000, at least 1000 when the tileset has them)
#   ROUNDS         measured runs per server, alternating (default 2); the best is reported
#   PIN            1 (default): each server pinned to CPU 0 with one worker
#                  (GOMAXPROCS=1, worker_processes 1), wrk pinned to CPU 1;
#                  0: no pinning, both servers use every CPU (GOMAXPROCS and
#                  worker_processes = nproc) and share them with wrk
#
# Fairness: same CPUs and worker count for both; access logs off on both;
# both answer the same bytes with Content-Encoding: gzip; nginx uses
# sendfile and open_file_cache, plantile its in-memory tile cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

need() { command -v "$1" >/dev/null || { echo "serve.sh: $1 is missing (make deps-bench installs $2)" >&2; exit 1; }; }
need wrk wrk
need nginx nginx
need sqlite3 sqlite3
need curl curl

work=$repo/.work/bench/serve
rm -rf "$work"
mkdir -p "$work"
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
URLS=${URLS:-2000}
ROUNDS=${ROUNDS:-2}

# The plantile binary.
bin=${PLANTILE_BIN:-}
if [ -z "$bin" ]; then
	if [ -x bin/plantile ]; then bin=bin/plantile; else
		go build -o "$work/plantile" ./cmd/plantile
		bin=$work/plantile
	fi
fi

# The tileset.
tileset=${BENCH_TILESET:-}
if [ -z "$tileset" ]; then
	tileset=$(ls .work/bench/plantile_1m.mbtiles 2>/dev/null || true)
	[ -n "$tileset" ] || tileset=$(ls -S .work/bench/*.mbtiles 2>/dev/null | grep -i 1m | head -1 || true)
	[ -n "$tileset" ] || tileset=$(ls -S .work/bench/*.mbtiles 2>/dev/null | head -1 || true)
fi
if [ -z "$tileset" ]; then
	shp=$(ls -S .work/bench/*.shp 2>/dev/null | head -1 || true)
	if [ -n "$shp" ]; then
		tileset=.work/bench/bench-parcels.mbtiles
		echo "serve.sh: building $tileset from $shp (z10..16)"
		nice "$bin" build "$shp" --layer parcels --minzoom 10 --maxzoom 16 -q -o "$tileset"
	else
		tileset=$(ls -S tiles/*.mbtiles 2>/dev/null | head -1 || true)
		[ -n "$tileset" ] || { echo "serve.sh: no tileset: set BENCH_TILESET or put a .mbtiles or .shp in .work/bench" >&2; exit 1; }
		echo "serve.sh: warning: no benchmark data in .work/bench; using the demo tileset $tileset" >&2
	fi
fi
name=bench
mkdir -p "$work/tiles" "$work/www/tiles/$name"
ln -s "$(realpath "$tileset")" "$work/tiles/$name.mbtiles"

# Tile URLs: a random sample of the stored tiles of z12..z16, extracted as
# files for nginx (XYZ rows: the file stores TMS rows).
sqlite3 "$tileset" "SELECT zoom_level, tile_column, (1 << zoom_level) - 1 - tile_row FROM tiles
	WHERE zoom_level BETWEEN 12 AND 16 ORDER BY random() LIMIT $URLS" > "$work/zxy.txt"
n=$(wc -l < "$work/zxy.txt")
[ "$n" -ge 1 ] || { echo "serve.sh: $tileset has no tiles in z12..z16" >&2; exit 1; }
[ "$n" -ge 1000 ] || echo "serve.sh: warning: only $n tiles in z12..z16 (wanted 1000+)" >&2
cut -d'|' -f1,2 "$work/zxy.txt" | sort -u | while IFS='|' read -r z x; do mkdir -p "$work/www/tiles/$name/$z/$x"; done
sqlite3 "$tileset" "CREATE TEMP TABLE want(z, x, y);" \
	".separator |" ".import $work/zxy.txt want" \
	"SELECT writefile('$work/www/tiles/$name/' || w.z || '/' || w.x || '/' || w.y || '.pbf', t.tile_data)
	 FROM want w JOIN tiles t ON t.zoom_level = w.z AND t.tile_column = w.x AND t.tile_row = (1 << w.z) - 1 - w.y;" >/dev/null
awk -F'|' -v n="$name" '{printf "/tiles/%s/%d/%d/%d.pbf\n", n, $1, $2, $3}' "$work/zxy.txt" > "$work/urls.txt"
bytes=$(du -sb "$work/www" | cut -f1)

cat > "$work/urls.lua" <<LUA
-- Each wrk thread cycles through the URL list from its own offset.
local paths = {}
for line in io.lines("$work/urls.txt") do paths[#paths + 1] = line end
local i = 0
local counter = 0
function setup(thread)
  thread:set("offset", counter * 997)
  counter = counter + 1
end
function init(args)
  i = (offset or 0) % #paths
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = "gzip" })
end
LUA

# free_port prints a port nothing listens on (a refused connection).
free_port() {
	local p
	while :; do
		p=$(shuf -i 20000-60999 -n 1)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
cpus=$(nproc)
pin_server=() pin_wrk=() workers=$cpus
if [ "${PIN:-1}" = 1 ] && [ "$cpus" -ge 2 ] && command -v taskset >/dev/null; then
	pin_server=(taskset -c 0) pin_wrk=(taskset -c 1) workers=1
fi

# nginx: the same files with the headers plantile sends.
nport=$(free_port)
mkdir -p "$work/nginx/tmp"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes $workers;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  open_file_cache_valid 60s;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location /tiles/ {
      types { }
      default_type application/vnd.mapbox-vector-tile;
      add_header Content-Encoding gzip;
      add_header Vary Accept-Encoding;
      add_header Cache-Control "public, max-age=3600";
      add_header Access-Control-Allow-Origin "*";
      etag on;
    }
  }
}
NGINX

# plantile.
pport=$(free_port)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"${pin_server[@]}" nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
GOMAXPROCS=$workers "${pin_server[@]}" "$bin" serve --listen "127.0.0.1:$pport" --tiles "$work/tiles" \
	--access-log=false --log-level warn --reload-interval 0 --tile-cache-mb 512 \
	--cache-dir "$work/cache" >"$work/plantile.log" 2>&1 &
pids+=($!)

wait_up() { for _ in $(seq 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "serve.sh: $1 did not come up" >&2; exit 1; }
first=$(head -1 "$work/urls.txt")
wait_up "http://127.0.0.1:$nport$first"
wait_up "http://127.0.0.1:$pport/readyz"

# Both must answer the same bytes and the headers QGIS needs.
for port in "$nport" "$pport"; do
	curl -s -D "$work/h.$port" -H 'Accept-Encoding: gzip' -o "$work/b.$port" "http://127.0.0.1:$port$first"
	grep -qi '^content-encoding: gzip' "$work/h.$port" || { echo "serve.sh: port $port sends no Content-Encoding: gzip" >&2; exit 1; }
done
cmp -s "$work/b.$nport" "$work/b.$pport" || { echo "serve.sh: nginx and plantile answer different bytes for $first" >&2; exit 1; }

# run NAME PORT SECONDS: one wrk run; prints "rps p99_ms".
run() {
	"${pin_wrk[@]}" wrk -t2 -c"$CONNECTIONS" -d"$3" --latency -s "$work/urls.lua" "http://127.0.0.1:$2" > "$work/wrk.$1.txt"
	awk '
		/Requests\/sec:/ { rps = $2 }
		/Non-2xx/ { bad = $NF }
		$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
			if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000; p99 = v }
		END { if (bad != "") { print "serve.sh: non-2xx responses: " bad > "/dev/stderr"; exit 1 } printf "%.0f %.2f\n", rps, p99 }' "$work/wrk.$1.txt"
}

echo "serve.sh: $n tile URLs (z12..z16, $((bytes / 1024)) KiB gzipped) from $tileset; wrk $CONNECTIONS connections, $DURATION x $ROUNDS rounds; CPUs: $cpus, $workers worker(s) per server${pin_server:+ (servers on CPU 0, wrk on CPU 1)}"
run warm-nginx "$nport" 3s >/dev/null
run warm-plantile "$pport" 3s >/dev/null
best_n="0 0" best_p="0 0"
for r in $(seq "$ROUNDS"); do
	res_n=$(run "nginx.$r" "$nport" "$DURATION")
	res_p=$(run "plantile.$r" "$pport" "$DURATION")
	echo "  round $r: nginx ${res_n% *} req/s p99 ${res_n#* } ms; plantile ${res_p% *} req/s p99 ${res_p#* } ms"
	[ "${res_n% *}" -gt "${best_n% *}" ] && best_n=$res_n
	[ "${res_p% *}" -gt "${best_p% *}" ] && best_p=$res_p
done
printf '%-9s %12s %10s\n' server 'req/s' 'p99 ms'
printf '%-9s %12s %10s\n' nginx "${best_n% *}" "${best_n#* }"
printf '%-9s %12s %10s\n' plantile "${best_p% *}" "${best_p#* }"
awk -v p="${best_p% *}" -v n="${best_n% *}" -v l="${best_p#* }" 'BEGIN {
	printf "plantile/nginx requests/s ratio: %.2f (goal >= 1.00); plantile p99 %.2f ms (goal < 10 ms)\n", p / n, l }'
