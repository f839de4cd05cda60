#!/usr/bin/env bash
# cmd/bench/search.sh: GET /search on the benchmark parcels over HTTP (wrk on
# loopback, a Lua script cycling through real queries) against PostgreSQL's
# unaccent + pg_trgm answering the same queries over the same values
# (pgbench -M prepared, a GIN trigram index on unaccent(lower(value))), in
# the same run. Prints queries/s and p99 of both and the ratios.
#
# The searched values: on the benchmark parcels the heuristic of package
# search indexes the plot code ma_o only (the land-use and commune names
# are shared by thousands of parcels: not the name of a parcel), so both
# sides search ma_o. Queries: half whole plot codes typed in lower case
# (exact matches), half their first 11 characters ("t004-cd-123": prefix
# matches, up to 10 answers), drawn at random from the parcels.
#
# PostgreSQL side: a throwaway PostgreSQL 15 cluster (unix socket in a temp
# dir; run as the postgres user when root), the codes loaded with ogr2ogr,
# an IMMUTABLE wrapper of unaccent() and a GIN gin_trgm_ops index on it;
# the query is the usual LIKE 'q%' with exact matches first:
#   WHERE f_unaccent(lower(ma_o)) LIKE f_unaccent(lower(q)) || '%'
#   ORDER BY f_unaccent(lower(ma_o)) = f_unaccent(lower(q)) DESC, length(ma_o) LIMIT 10
# plantile side: `plantile serve` on a tileset built from the same
# shapefile (z10..z12: only the features matter here).
#
# Fairness: both servers pinned to CPU 0 (plantile with GOMAXPROCS=1), the
# load generators (wrk, pgbench) to CPU 1, CLIENTS connections each.
#
# Environment:
#   COUNTS    parcel counts (default "100000"; "100000 1000000" for both)
#   DURATION  seconds per measured run (default 15)
#   CLIENTS   connections (default 16)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

COUNTS=${COUNTS:-100000}
DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-16}

pgbin=${PG_BIN:-/usr/lib/postgresql/15/bin}
need() { command -v "$1" >/dev/null || [ -x "$pgbin/$1" ] || { echo "search.sh: $1 is missing (make deps-bench installs $2)" >&2; exit 1; }; }
need initdb postgresql-15-postgis-3
need pgbench postgresql-15-postgis-3
need ogr2ogr gdal-bin
need wrk wrk
need curl curl
for ext in unaccent pg_trgm; do
	[ -f "/usr/share/postgresql/15/extension/$ext.control" ] ||
		{ echo "search.sh: extension $ext missing (postgresql-15 ships it)" >&2; exit 1; }
done
PATH=$pgbin:$PATH
bin=${PLANTILE_BIN:-bin/plantile}
[ -x "$bin" ] || { go build -o bin/plantile ./cmd/plantile; bin=bin/plantile; }

work=$(mktemp -d /tmp/plantile-search-XXXXXX)
pgpid=""
srvpid=""
asuser=()
if [ "$(id -u)" = 0 ]; then
	chown postgres: "$work"
	asuser=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
cleanup() {
	[ -n "$srvpid" ] && kill "$srvpid" 2>/dev/null || true
	if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
		kill -INT "$pgpid" 2>/dev/null || true
		for _ in $(seq 100); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pgpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
pin_srv=(taskset -c 0)
pin_gen=(taskset -c 1)
[ "$(nproc)" -ge 2 ] || { pin_srv=(); pin_gen=(); }

"${asuser[@]}" initdb -D "$work/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null
"${pin_srv[@]}" "${asuser[@]}" postgres -D "$work/data" -k "$work" -c listen_addresses= -c fsync=off \
	-c shared_buffers=1GB -c jit=off -c max_parallel_workers_per_gather=0 >"$work/pg.log" 2>&1 &
pgpid=$!
psqlc() { psql -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for _ in $(seq 150); do psqlc -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
psqlc -c 'CREATE EXTENSION unaccent' -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION pg_prewarm'
psqlc -c "CREATE FUNCTION f_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS \$\$ SELECT public.unaccent('public.unaccent'::regdictionary, \$1) \$\$"
pgversion=$(psqlc -c "SELECT split_part(version(), ' ', 2)")
echo "search.sh: PostgreSQL $pgversion; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# p99 of wrk's --latency output, in ms.
wrk_p() {
	awk -v p="$2" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$1"
}

for n in $COUNTS; do
	shp=$(bash cmd/bench/parcels.sh "$n")
	ts=.work/bench/search/parcels-$n.mbtiles
	if [ ! -f "$ts" ] || [ "$shp" -nt "$ts" ]; then
		mkdir -p .work/bench/search
		echo "search.sh: building $ts from $shp (z10..z12)"
		nice "$bin" build "$shp" --layer parcels --minzoom 10 --maxzoom 12 -q -o "$ts"
	fi

	# PostgreSQL: the codes, the index, the queries.
	ogr2ogr -f PostgreSQL "PG:host=$work user=postgres dbname=postgres" "$shp" -nln parcels \
		-select ma_o -nlt NONE -lco FID=fid -overwrite
	psqlc >/dev/null <<-SQL
		CREATE INDEX parcels_trgm ON parcels USING gin (f_unaccent(lower(ma_o)) gin_trgm_ops);
		SELECT setseed(0.42);
		CREATE TABLE queries AS
			SELECT row_number() OVER () AS id, CASE WHEN k % 2 = 0 THEN lower(ma_o) ELSE substr(lower(ma_o), 1, 11) END AS q
			FROM (SELECT ma_o, row_number() OVER () AS k FROM (SELECT ma_o FROM parcels ORDER BY random() LIMIT 2000) r) s;
		ALTER TABLE queries ADD PRIMARY KEY (id);
		VACUUM ANALYZE parcels;
		VACUUM ANALYZE queries;
		SELECT pg_prewarm(c.oid::regclass) FROM pg_class c WHERE c.relname IN ('parcels', 'parcels_trgm', 'queries', 'queries_pkey');
	SQL
	nq=$(psqlc -c 'SELECT count(*) FROM queries')
	cat >"$work/search.sql" <<-SQL
		\set id random(1, $nq)
		SELECT p.fid, p.ma_o FROM parcels p, (SELECT q FROM queries WHERE id = :id) s
			WHERE f_unaccent(lower(p.ma_o)) LIKE f_unaccent(lower(s.q)) || '%'
			ORDER BY f_unaccent(lower(p.ma_o)) = f_unaccent(lower(s.q)) DESC, length(p.ma_o) LIMIT 10;
	SQL
	chmod a+r "$work/search.sql"
	# Both sides must find the same first answer for a sample query.
	sample=$(psqlc -c 'SELECT q FROM queries WHERE id = 1')

	# plantile.
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$work/tiles"
	ln -sf "$repo/$ts" "$work/tiles/parcels.mbtiles"
	t0=$(date +%s.%N)
	GOMAXPROCS=1 "${pin_srv[@]}" "$bin" serve --listen "127.0.0.1:$port" --tiles "$work/tiles" \
		--access-log=false --log-level info --reload-interval 0 --cache-dir "$work/cache" >"$work/plantile.log" 2>&1 &
	srvpid=$!
	for _ in $(seq 600); do curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" && break; sleep 0.1; done
	t1=$(date +%s.%N)
	built=$(grep -o 'search index built.*' "$work/plantile.log" | tr -d '"' | head -1 || true)
	rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$srvpid/status")
	pg_first=$(psqlc -c "SELECT ma_o FROM parcels WHERE f_unaccent(lower(ma_o)) LIKE '$sample%'
		ORDER BY f_unaccent(lower(ma_o)) = '$sample' DESC, length(ma_o), ma_o LIMIT 1")
	pt_first=$(curl -fs "http://127.0.0.1:$port/search?q=$sample&limit=1" | python3 -c 'import json,sys; f=json.load(sys.stdin)["features"]; print(f[0]["label"] if f else "")')
	[ "$pg_first" = "$pt_first" ] || { echo "search.sh: q=$sample: PostgreSQL finds $pg_first first, plantile $pt_first" >&2; exit 1; }

	psqlc -c "COPY (SELECT q FROM queries ORDER BY id) TO STDOUT" > "$work/queries.txt"
	{
		echo 'local qs = {}'
		echo 'for line in io.lines("'"$work/queries.txt"'") do qs[#qs + 1] = line end'
		echo 'math.randomseed(42)'
		echo 'request = function() return wrk.format("GET", "/search?limit=10&q=" .. qs[math.random(#qs)]) end'
		echo 'done = function(s) if s.errors.status > 0 then io.stderr:write("non-2xx: " .. s.errors.status .. "\n") os.exit(1) end end'
	} > "$work/search.lua"

	"${pin_gen[@]}" wrk -t1 -c"$CLIENTS" -d3s -s "$work/search.lua" "http://127.0.0.1:$port" >/dev/null
	"${pin_gen[@]}" wrk -t1 -c"$CLIENTS" -d"${DURATION}s" --latency -s "$work/search.lua" "http://127.0.0.1:$port" >"$work/wrk.txt"
	prps=$(awk '/Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.txt")
	pp99=$(wrk_p "$work/wrk.txt" 99%)
	pp50=$(wrk_p "$work/wrk.txt" 50%)
	kill "$srvpid"; wait "$srvpid" 2>/dev/null || true; srvpid=""

	(cd "$work" && "${pin_gen[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 1 -T 3 -f search.sql postgres >/dev/null 2>&1)
	rm -f "$work"/pgbench_log.*
	(cd "$work" && "${pin_gen[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 1 -T "$DURATION" \
		-l --log-prefix="$work/pgbench_log" -f search.sql postgres >"$work/pgbench.out" 2>&1)
	qtps=$(awk '/^tps = / { printf "%.0f", $3; exit }' "$work/pgbench.out")
	pct() { cat "$work"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }'; }
	qp99=$(pct 0.99)
	qp50=$(pct 0.50)
	psqlc -c 'DROP TABLE parcels' -c 'DROP TABLE queries'

	echo "search.sh: $n parcels; $nq queries (exact codes and 11-character prefixes); $CLIENTS connections, ${DURATION}s each; plantile ready in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s, RSS ${rss} MiB; ${built:-no search log line}"
	printf 'search.sh: %-28s %10s q/s   p50 %8s ms   p99 %8s ms\n' "plantile /search (HTTP)" "$prps" "$pp50" "$pp99"
	printf 'search.sh: %-28s %10s q/s   p50 %8s ms   p99 %8s ms\n' "PostgreSQL unaccent+pg_trgm" "$qtps" "$qp50" "$qp99"
	awk -v a="$prps" -v b="$qtps" -v c="$pp99" -v d="$qp99" 'BEGIN { printf "search.sh: ratio plantile/PostgreSQL: q/s %.2fx, p99 %.2fx (goal: q/s >= 1, p99 < 10 ms)\n", a / b, c / d }'
done
