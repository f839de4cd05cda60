#!/usr/bin/env bash
# cmd/bench/query.sh: "what is planned here?" point queries and 500 m x
# 500 m bbox pages (100 features as GeoJSON, by id) on the benchmark
# parcels, answered by PostGIS through pgbench custom scripts and by
# pkg/index in-process (BenchmarkQuery), in the same run. Prints queries/s,
# PostGIS's p99 and the in-process/PostGIS ratios.
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
[ -f /usr/share/postgresql/15/extension/postgis.control ] ||
	{ echo "query.sh: postgis extension missing (make deps-test installs postgresql-15-postgis-3)" >&2; exit 1; }
PATH=$pgbin:$PATH

work=$(mktemp -d /tmp/plantile-query-XXXXXX)
pgpid=""
asuser=()
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$work"
	# setpriv execs (runuser would stay in between as the parent):
	# $! is then the postmaster itself.
	asuser=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
cleanup() {
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
"${asuser[@]}" postgres -D "$work/data" -k "$work" -c listen_addresses= -c fsync=off \
	-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=2GB -c jit=off \
	-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1 -c max_connections=64 \
	>"$work/server.log" 2>&1 &
pgpid=$!
psqlc() { psql -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for _ in $(seq 150); do psqlc -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
psqlc -c 'CREATE EXTENSION postgis' -c 'CREATE EXTENSION pg_prewarm'
pgversion=$(psqlc -c "SELECT split_part(version(), ' ', 2) || ', PostGIS ' || postgis_lib_version()")

printf '%s\n' "query.sh: PostgreSQL $pgversion; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $COUNTS; do
	shp=$(bash cmd/bench/parcels.sh "$n")
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
		(cd "$work" && pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T 5 -f "$2" postgres >/dev/null 2>&1)
		sleep 1
		c0=$(cpu_ticks)
		(cd "$work" && pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" \
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

	# The in-process side, with the cluster idle.
	gob=$(PLANTILE_BENCH_PARCELS="$repo/$shp" go test -run '^$' -bench '^BenchmarkQuery$' -benchtime "$BENCHTIME" ./pkg/index/)
	metric() { awk -v k="$1" -v m="$2" '$1 ~ "^BenchmarkQuery/" k "/" { for (i = 2; i < NF; i++) if ($(i+1) == m) print $i }' <<<"$gob"; }
	gp=$(metric point queries/s) gbx=$(metric bbox-page queries/s)
	gpc=$(metric point queries/cpu-s) gbc=$(metric bbox-page queries/cpu-s)
	[ -n "$gp" ] && [ -n "$gbx" ] && [ -n "$gpc" ] && [ -n "$gbc" ] ||
		{ echo "query.sh: no BenchmarkQuery result:" >&2; echo "$gob" >&2; exit 1; }

	human=$(awk -v n="$n" 'BEGIN { if (n >= 1000000) printf "%gM", n/1000000; else printf "%gk", n/1000 }')
	printf '%s parcels: PostGIS load (ogr2ogr + GiST + VACUUM ANALYZE) %.1f s\n' "$human" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }
	printf '%-7s %-16s %11s %8s %11s %15s %8s %14s %9s %16s\n' parcels query "PostGIS q/s" "p99 ms" "q/CPU-s" "in-process q/s" ratio "in-proc q/CPU-s" ratio "features/query"
	printf '%-7s %-16s %11.0f %8s %11s %15.0f %8s %14.0f %9s %16s\n' "$human" "point" "$ptps" "$pp99" "$pcpu" "$gp" "$(ratio "$gp" "$ptps")" "$gpc" "$(ratio "$gpc" "$pcpu")" "$perpoint/$(metric point features/query)"
	printf '%-7s %-16s %11.0f %8s %11s %15.0f %8s %14.0f %9s %16s\n' "$human" "bbox page (100)" "$btps" "$bp99" "$bcpu" "$gbx" "$(ratio "$gbx" "$btps")" "$gbc" "$(ratio "$gbc" "$bcpu")" "$perpage/$(metric bbox-page features/query)"
	echo "(PostGIS q/CPU-s: server processes' CPU, pgbench's not counted; ratios are in-process/PostGIS; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "TODO(issue 8, item 7): HTTP side not measured: wrk against plantile's /query/point and /collections/{id}/items, with the HTTP/PostGIS ratios, comes with those routes."
done
