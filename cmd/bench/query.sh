#!/usr/bin/env bash
# cmd/bench/query.sh: "what is planned here?" point queries and 500 m x
# 500 m bbox pages (100 features as GeoJSON, by id) on the benchmark
# parcels, answered in the same run by PostGIS through pgbench custom
# scripts, by `plantile serve` over HTTP driven by wrk (/query/point, the
# OGC API items page /ogc/collections/parcels/items?bbox=...&limit=100 and
# /query/bbox), and by pkg/index in-process (BenchmarkQuery). Prints
# queries/s, p99 and queries per CPU-second of each, the HTTP/PostGIS and
# in-process/PostGIS ratios, the served index's load time and its memory
# per feature.
#
# Pinning (PIN=1, the default, on 2+ CPUs, as serve.sh does): each server
# (the postmaster and its backends; plantile with GOMAXPROCS=1) on CPU 0,
# its load generator (pgbench; wrk) on CPU 1, so that both servers get the
# same one CPU. PIN=0: no pinning, plantile uses every CPU.
#
# HTTP side: `plantile build` (z12 only: the tiles are not queried) stores
# the exact features in the MBTiles; `plantile serve --tiles DIR` loads
# them (the time to /readyz is the load time); wrk at CLIENTS connections
# on loopback, a Lua script picking uniformly among the same places as
# pgbench (exported from PostGIS's places table): /query/point with
# tolerance=0 (ST_Intersects); the issue's bbox pages, OGC API items
# pages (f=json, limit=100, bbox: GeoJSON features in id order with
# links, numberMatched and numberReturned); and /query/bbox with
# limit=100 (the same features; its answer also lists the layer's schema
# and match count). Before measuring, the number of matches of every
# route is checked against PostGIS at 50 places. wrk keeps its
# connections alive and sends no Accept-Encoding (plantile compresses no
# JSON anyway).
#
# PostGIS side: a throwaway PostgreSQL 15 cluster (unix socket in a temp
# dir, no TCP; run as the postgres user when root), the parcels loaded with
# ogr2ogr -t_srs EPSG:4326 (GiST index), VACUUM ANALYZE, table and index
# prewarmed (pg_prewarm) and a warm-up run; then pgbench -M prepared at
# CLIENTS clients on 2 threads, per-transaction logs for the p99.
# Settings: shared_buffers 2GB, jit off, no parallel workers (short
# queries), fsync off (read-only benchmark).
#
# Places: uniform within the bounds of a uniformly drawn parcel (the
# parcels are towns scattered over the province: uniform places over the
# province would almost never hit one). PostGIS reads its place from a
# table of 100,000 such places by primary key (one index probe more than
# the Go side does, a few microseconds); the Go benchmark draws its own.
#
# Environment:
#   COUNTS    parcel counts (default "100000"; "100000 1000000" for both)
#   DURATION  seconds per pgbench run (default 20)
#   CLIENTS   pgbench clients (default 16)
#   BENCHTIME go test -benchtime (default 3s)
#   PIN       1 (default) or 0, see above
#   BENCH_DIR where parcels.sh keeps the parcels (default .work/bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

COUNTS=${COUNTS:-100000}
DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-16}
BENCHTIME=${BENCHTIME:-3s}

pgbin=${PG_BIN:-/usr/lib/postgresql/15/bin}
need() { command -v "$1" >/dev/null || [ -x "$pgbin/$1" ] || { echo "query.sh: $1 is missing (make deps-test installs $2)" >&2; exit 1; }; }
need initdb postgresql-15-postgis-3
need pgbench postgresql-15-postgis-3
need ogr2ogr gdal-bin
need wrk wrk
need curl curl
[ -f /usr/share/postgresql/15/extension/postgis.control ] ||
	{ echo "query.sh: postgis extension missing (make deps-test installs postgresql-15-postgis-3)" >&2; exit 1; }
PATH=$pgbin:$PATH

work=$(mktemp -d /tmp/plantile-query-XXXXXX)
pgpid="" ppid=""
cpus=$(nproc)
pin_server=() pin_client=() gomaxprocs=$cpus
if [ "${PIN:-1}" = 1 ] && [ "$cpus" -ge 2 ] && command -v taskset >/dev/null; then
	pin_server=(taskset -c 0) pin_client=(taskset -c 1) gomaxprocs=1
fi
asuser=()
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$work"
	# setpriv execs (runuser would stay in between as the parent):
	# $! is then the postmaster itself.
	asuser=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
cleanup() {
	if [ -n "$ppid" ]; then kill "$ppid" 2>/dev/null || true; wait "$ppid" 2>/dev/null || true; fi
	if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
		kill -INT "$pgpid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pgpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
# cpu_ticks: CPU clock ticks (user + system) used so far by the server:
# the postmaster, the children it has reaped (exited backends) and its
# live children. pgbench's own CPU is not counted, as wrk's will not be.
cpu_ticks() {
	local total f c
	read -r -a f < <(sed 's/.*) //' "/proc/$pgpid/stat")
	total=$((f[11] + f[12] + f[13] + f[14]))
	for c in $(cat "/proc/$pgpid/task/$pgpid/children"); do
		if read -r -a f < <(sed 's/.*) //' "/proc/$c/stat" 2>/dev/null); then
			total=$((total + f[11] + f[12]))
		fi
	done
	echo "$total"
}
hz=$(getconf CLK_TCK)
trap cleanup EXIT INT TERM

"${asuser[@]}" initdb -D "$work/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
"${pin_server[@]}" "${asuser[@]}" postgres -D "$work/data" -k "$work" -c listen_addresses= -c fsync=off \
	-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=2GB -c jit=off \
	-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1 -c max_connections=64 \
	>"$work/server.log" 2>&1 &
pgpid=$!
psqlc() { psql -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for _ in $(seq 150); do psqlc -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
psqlc -c 'CREATE EXTENSION postgis' -c 'CREATE EXTENSION pg_prewarm'
pgversion=$(psqlc -c "SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version()")

# plantile, built from this tree.
go build -o "$work/plantile" ./cmd/plantile
# proc_ticks PID: CPU clock ticks (user + system) of one process so far.
proc_ticks() { local f; read -r -a f < <(sed 's/.*) //' "/proc/$1/stat"); echo $((f[11] + f[12])); }
# free_port prints a port nothing listens on.
free_port() {
	local p
	while :; do
		p=$(shuf -i 20000-60999 -n 1)
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

printf '%s\n' "query.sh: PostgreSQL $pgversion; $cpus CPUs$([ ${#pin_server[@]} -gt 0 ] && echo "; servers pinned to CPU 0 (plantile GOMAXPROCS=1), pgbench and wrk to CPU 1"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $COUNTS; do
	shp=$(realpath "$(bash cmd/bench/parcels.sh "$n")")
	t0=$(date +%s.%N)
	ogr2ogr -f PostgreSQL "PG:host=$work user=postgres dbname=postgres" "$shp" -nln parcels \
		-t_srs EPSG:4326 -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -lco FID=fid \
		-lco SPATIAL_INDEX=GIST -overwrite
	psqlc -c 'VACUUM ANALYZE parcels'
	t1=$(date +%s.%N)
	cols=$(psqlc -c "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_name = 'parcels' AND column_name <> 'geom'")
	psqlc >/dev/null <<-SQL
		SELECT setseed(0.42);
		DROP TABLE IF EXISTS places;
		CREATE TABLE places AS
			SELECT row_number() OVER () AS id,
				ST_XMin(b) + random() * (ST_XMax(b) - ST_XMin(b)) AS x,
				ST_YMin(b) + random() * (ST_YMax(b) - ST_YMin(b)) AS y
			FROM (SELECT geom::box2d AS b FROM parcels ORDER BY random() LIMIT 100000) s;
		ALTER TABLE places ADD PRIMARY KEY (id);
		VACUUM ANALYZE places;
		SELECT pg_prewarm(c.oid::regclass) FROM pg_class c
			WHERE c.relname IN ('parcels', 'parcels_geom_geom_idx', 'places', 'places_pkey');
	SQL
	nplaces=$(psqlc -c 'SELECT count(*) FROM places')
	# 250 m each way from the place, in degrees at Son La's latitude
	# (21.3°), as BenchmarkQuery does at each place's own latitude.
	dy=$(awk 'BEGIN { printf "%.9f", 250 / 111320 }')
	dx=$(awk -v dy="$dy" 'BEGIN { printf "%.9f", dy / cos(21.3 * 3.14159265358979 / 180) }')
	cat >"$work/point.sql" <<-SQL
		\set id random(1, $nplaces)
		SELECT $cols FROM parcels WHERE ST_Intersects(geom,
			(SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) FROM places WHERE id = :id));
	SQL
	cat >"$work/bbox.sql" <<-SQL
		\set id random(1, $nplaces)
		SELECT ST_AsGeoJSON(t.*) FROM (SELECT $cols, geom FROM parcels WHERE ST_Intersects(geom,
			(SELECT ST_MakeEnvelope(x - $dx, y - $dy, x + $dx, y + $dy, 4326) FROM places WHERE id = :id))
			ORDER BY fid LIMIT 100) t;
	SQL
	# The planner must use the GiST index (the place is an InitPlan).
	plan=$(psqlc -c "EXPLAIN SELECT fid FROM parcels WHERE ST_Intersects(geom,
		(SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) FROM places WHERE id = 1))")
	grep -q 'parcels_geom_geom_idx' <<<"$plan" || { echo "query.sh: the point query does not use the GiST index:" >&2; echo "$plan" >&2; exit 1; }
	# Features per query, for comparison with the Go benchmark's.
	perpoint=$(psqlc -c "SELECT round(avg(c), 3) FROM (SELECT (SELECT count(*) FROM parcels
		WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(x, y), 4326))) c FROM places WHERE id <= 2000) s")
	perpage=$(psqlc -c "SELECT round(avg(c), 2) FROM (SELECT (SELECT count(*) FROM (SELECT 1 FROM parcels
		WHERE ST_Intersects(geom, ST_MakeEnvelope(x - $dx, y - $dy, x + $dx, y + $dy, 4326)) LIMIT 100) l) c
		FROM places WHERE id <= 500) s")

	run() { # run NAME SCRIPT: prints "tps p99_ms queries_per_cpu_second"
		rm -f "$work/$1".log*
		(cd "$work" && "${pin_client[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T 5 -f "$2" postgres >/dev/null 2>&1)
		sleep 1
		c0=$(cpu_ticks)
		(cd "$work" && "${pin_client[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" \
			-f "$2" --log --log-prefix="$1.log" postgres >"$work/$1.out" 2>&1) ||
			{ cat "$work/$1.out" >&2; exit 1; }
		sleep 1
		c1=$(cpu_ticks)
		tps=$(awk '/^tps = / { print $3; exit }' "$work/$1.out")
		nq=$(awk '/^number of transactions actually processed/ { print $NF; exit }' "$work/$1.out")
		qcpu=$(awk -v n="$nq" -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.0f", n / (t / hz) }')
		p99=$(cat "$work/$1".log* | awk '{ print $3 }' | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }')
		echo "$tps $p99 $qcpu"
	}
	res=$(run point point.sql)
	read -r ptps pp99 pcpu <<<"$res"
	res=$(run bbox bbox.sql)
	read -r btps bp99 bcpu <<<"$res"

	# The HTTP side: plantile serving a tileset built from the same parcels.
	mkdir -p "$work/tiles"
	rm -f "$work/tiles/parcels.mbtiles"
	tb0=$(date +%s.%N)
	nice "$work/plantile" build "$shp" --layer parcels --minzoom 12 --maxzoom 12 -q -o "$work/tiles/parcels.mbtiles" >/dev/null
	tb1=$(date +%s.%N)
	pport=$(free_port)
	ts0=$(date +%s.%N)
	GOMAXPROCS=$gomaxprocs "${pin_server[@]}" "$work/plantile" serve --listen "127.0.0.1:$pport" --tiles "$work/tiles" \
		--access-log=false --log-level warn --reload-interval 0 --cache-dir "$work/cache" >"$work/plantile.log" 2>&1 &
	ppid=$!
	for _ in $(seq 1200); do curl -fs -o /dev/null "http://127.0.0.1:$pport/readyz" && break; sleep 0.05; done
	curl -fs -o /dev/null "http://127.0.0.1:$pport/readyz" || { echo "query.sh: plantile serve did not come up:" >&2; cat "$work/plantile.log" >&2; exit 1; }
	ts1=$(date +%s.%N)
	rss_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ppid/status")
	psqlc -F ' ' -c 'SELECT x, y FROM places ORDER BY id' >"$work/places.txt"
	cat >"$work/point.lua" <<-LUA
		-- A random place of places.txt (the places pgbench draws from) per request.
		local xs, ys = {}, {}
		for line in io.lines("$work/places.txt") do
		  local x, y = line:match("(%S+) (%S+)")
		  xs[#xs + 1] = x; ys[#ys + 1] = y
		end
		local mode = "MODE"
		function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
		function request()
		  local k = math.random(#xs)
		  local x, y = tonumber(xs[k]), tonumber(ys[k])
		  local path
		  if mode == "bbox" then
		    path = string.format("/query/bbox?layers=parcels&limit=100&bbox=%.9f,%.9f,%.9f,%.9f", x - $dx, y - $dy, x + $dx, y + $dy)
		  elseif mode == "items" then
		    path = string.format("/ogc/collections/parcels/items?f=json&limit=100&bbox=%.9f,%.9f,%.9f,%.9f", x - $dx, y - $dy, x + $dx, y + $dy)
		  else
		    path = string.format("/query/point?layers=parcels&tolerance=0&lon=%s&lat=%s", xs[k], ys[k])
		  end
		  return wrk.format("GET", path)
		end
	LUA
	sed 's/^local mode = .*/local mode = "point"/' "$work/point.lua" >"$work/wrk-point.lua"
	sed 's/^local mode = .*/local mode = "bbox"/' "$work/point.lua" >"$work/wrk-bbox.lua"
	sed 's/^local mode = .*/local mode = "items"/' "$work/point.lua" >"$work/wrk-items.lua"
	# plantile must find what PostGIS finds (numberMatched), at 50 places.
	psqlc -F ' ' -c "SELECT x, y,
		(SELECT count(*) FROM parcels WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(x, y), 4326))),
		(SELECT count(*) FROM parcels WHERE ST_Intersects(geom, ST_MakeEnvelope(x - $dx, y - $dy, x + $dx, y + $dy, 4326)))
		FROM places WHERE id <= 50 ORDER BY id" >"$work/check.txt"
	while read -r x y np nb; do
		got=$(curl -fs "http://127.0.0.1:$pport/query/point?layers=parcels&tolerance=0&lon=$x&lat=$y" | grep -o '"numberMatched":[0-9]*' | cut -d: -f2)
		[ "$got" = "$np" ] || { echo "query.sh: /query/point at $x,$y matched ${got:-nothing}, PostGIS $np" >&2; exit 1; }
		bb=$(awk -v x="$x" -v y="$y" -v dx="$dx" -v dy="$dy" 'BEGIN { printf "%.9f,%.9f,%.9f,%.9f", x - dx, y - dy, x + dx, y + dy }')
		got=$(curl -fs "http://127.0.0.1:$pport/query/bbox?layers=parcels&limit=100&bbox=$bb" | grep -o '"numberMatched":[0-9]*' | cut -d: -f2)
		[ "$got" = "$nb" ] || { echo "query.sh: /query/bbox at $bb matched ${got:-nothing}, PostGIS $nb" >&2; exit 1; }
		got=$(curl -fs "http://127.0.0.1:$pport/ogc/collections/parcels/items?f=json&limit=100&bbox=$bb" | grep -o '"numberMatched":[0-9]*' | cut -d: -f2)
		[ "$got" = "$nb" ] || { echo "query.sh: OGC items at $bb matched ${got:-nothing}, PostGIS $nb" >&2; exit 1; }
	done <"$work/check.txt"

	wrkrun() { # wrkrun SCRIPT: prints "rps p99_ms queries_per_cpu_second"
		"${pin_client[@]}" wrk -t2 -c"$CLIENTS" -d5s -s "$1" "http://127.0.0.1:$pport" >/dev/null
		c0=$(proc_ticks "$ppid")
		"${pin_client[@]}" wrk -t2 -c"$CLIENTS" -d"${DURATION}s" --latency -s "$1" "http://127.0.0.1:$pport" >"$work/wrk.out"
		c1=$(proc_ticks "$ppid")
		awk -v t=$((c1 - c0)) -v hz="$hz" '
			/requests in/ { n = $1 }
			/Requests\/sec:/ { rps = $2 }
			/Non-2xx/ { bad = $NF }
			$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
				if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000; p99 = v }
			END { if (bad != "") { print "query.sh: non-2xx responses: " bad > "/dev/stderr"; exit 1 }
				printf "%.0f %.2f %.0f\n", rps, p99, n / (t / hz) }' "$work/wrk.out"
	}
	res=$(wrkrun "$work/wrk-point.lua")
	read -r hptps hpp99 hpcpu <<<"$res"
	res=$(wrkrun "$work/wrk-items.lua")
	read -r hitps hip99 hicpu <<<"$res"
	res=$(wrkrun "$work/wrk-bbox.lua")
	read -r hbtps hbp99 hbcpu <<<"$res"
	kill "$ppid"
	wait "$ppid" 2>/dev/null || true
	ppid=""

	# The in-process side, with the cluster idle.
	gob=$(PLANTILE_BENCH_PARCELS="$shp" go test -run '^$' -bench '^BenchmarkQuery$' -benchtime "$BENCHTIME" ./pkg/index/)
	metric() { awk -v k="$1" -v m="$2" '$1 ~ "^BenchmarkQuery/" k "/" { for (i = 2; i < NF; i++) if ($(i+1) == m) print $i }' <<<"$gob"; }
	gp=$(metric point queries/s) gbx=$(metric bbox-page queries/s)
	gpc=$(metric point queries/cpu-s) gbc=$(metric bbox-page queries/cpu-s)
	[ -n "$gp" ] && [ -n "$gbx" ] && [ -n "$gpc" ] && [ -n "$gbc" ] ||
		{ echo "query.sh: no BenchmarkQuery result:" >&2; echo "$gob" >&2; exit 1; }

	mem=$(metric memory bytes/feature) raw=$(metric memory coord-bytes/feature) goal=$(metric memory goal-bytes/feature)
	human=$(awk -v n="$n" 'BEGIN { if (n >= 1000000) printf "%gM", n/1000000; else printf "%gk", n/1000 }')
	printf '%s parcels: PostGIS load (ogr2ogr + GiST + VACUUM ANALYZE) %.1f s; plantile build (z12) %.1f s, serve load to /readyz %.2f s (RSS %d MiB)\n' \
		"$human" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(awk -v a="$tb0" -v b="$tb1" 'BEGIN { print b - a }')" \
		"$(awk -v a="$ts0" -v b="$ts1" 'BEGIN { print b - a }')" $((rss_kb / 1024))
	printf 'served index memory: %.0f B/feature (coordinates %.0f B/feature; goal <= 2x coordinates + 64 = %.0f B)\n' "$mem" "$raw" "$goal"
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
	printf '%-7s %-16s %-15s %10s %8s %10s %8s %10s\n' parcels query side "q/s" "p99 ms" "q/CPU-s" "q/s:PG" "CPU-s:PG"
	row() { printf '%-7s %-16s %-15s %10.0f %8s %10.0f %8s %10s\n' "$human" "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
	row point PostGIS "$ptps" "$pp99" "$pcpu" - -
	row point "HTTP" "$hptps" "$hpp99" "$hpcpu" "$(ratio "$hptps" "$ptps")" "$(ratio "$hpcpu" "$pcpu")"
	row point in-process "$gp" - "$gpc" "$(ratio "$gp" "$ptps")" "$(ratio "$gpc" "$pcpu")"
	row "bbox page (100)" PostGIS "$btps" "$bp99" "$bcpu" - -
	row "bbox page (100)" "HTTP OGC items" "$hitps" "$hip99" "$hicpu" "$(ratio "$hitps" "$btps")" "$(ratio "$hicpu" "$bcpu")"
	row "bbox page (100)" "HTTP /query" "$hbtps" "$hbp99" "$hbcpu" "$(ratio "$hbtps" "$btps")" "$(ratio "$hbcpu" "$bcpu")"
	row "bbox page (100)" in-process "$gbx" - "$gbc" "$(ratio "$gbx" "$btps")" "$(ratio "$gbc" "$bcpu")"
	echo "features/query (PostGIS/in-process): point $perpoint/$(metric point features/query), bbox page $perpage/$(metric bbox-page features/query)"
	echo "(q/CPU-s: the server's own CPU, PostGIS's postmaster and backends, plantile's process; pgbench's and wrk's not counted."
	echo " HTTP is /query/point (tolerance=0); bbox pages are OGC items pages (f=json, limit=100, bbox) and /query/bbox (limit=100)."
	echo " p99 at $CLIENTS connections on one server CPU is mostly queueing: mean latency = connections / throughput."
	echo " Goals: HTTP >= 3x PostGIS q/s for points, >= 2x for bbox pages, p99 < 5 ms; in-process >= 30x PostGIS's point rate."
	echo " Load average now $(cut -d' ' -f1-3 /proc/loadavg))"
done
