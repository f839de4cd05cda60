#!/usr/bin/env bash
# cmd/bench/search.sh: GET /search on the benchmark parcels over HTTP (wrk on
# loopback, a Lua script cycling through real queries) against PostgreSQL's
# unaccent + pg_trgm answering the same queries over the same values
# (pgbench -M prepared, GIN trigram indexes), in the same run. Prints
# queries/s, p50 and p99 of both and the ratios, for each kind of query.
#
# The searched values: the tileset is built with
#   --search parcels=ma_o,ten_dat,phuong
# so plantile searches the plot code ma_o (a code field) and the land-use
# name ten_dat and commune name phuong (name fields; the heuristic alone
# leaves these out, shared as they are by thousands of parcels), all three
# for every query. Two kinds of query, measured separately:
#   codes  half whole plot codes typed in lower case (exact matches), half
#          their first 11 characters ("t004-cd-123": prefix matches)
#   names  the distinct land-use and commune names typed without
#          diacritics: whole ("xa chieng den"), without their first word
#          ("chieng den": whole words), that less its last two letters
#          ("chieng d": a prefix), and single words of 2+ letters
#          ("chieng", "quyet", "dat": a word shared by a third of the
#          parcels and more)
# Every query asks for 10 answers, best first.
#
# PostgreSQL side: a throwaway PostgreSQL 15 cluster (unix socket in a temp
# dir; run as the postgres user when root), the parcels loaded with
# ogr2ogr, plan_cache_mode=force_custom_plan (each query planned with its
# text, as a client sending literals gets). Folding as plantile's: an
# IMMUTABLE f_fold(v) = unaccent, lower case, runs of other characters than
# letters and digits to one space.
#   codes: a GIN gin_trgm_ops index and a btree text_pattern_ops index on
#     f_fold(ma_o) (the planner picks; the btree serves prefixes);
#     WHERE f_fold(ma_o) LIKE f_fold(q) || '%'
#     ORDER BY f_fold(ma_o) = f_fold(q) DESC, length(ma_o) LIMIT 10
#   names: the values of ten_dat and phuong as a table names(fid, value)
#     (two rows a parcel, btree on (value, fid)) and their distinct values
#     name_values(value) with a GIN gin_trgm_ops index on f_fold(value).
#     The 10 best distinct values, ranked as plantile ranks (equal, whole
#     words, a word starting with q, anywhere; then shorter), then up to
#     10 parcels of each (LATERAL, by fid), the first 10 in that order:
#     what plantile's dictionary does. (Ranking every matching row of
#     names instead, the plain unaccent + pg_trgm query, took seconds per
#     query at 1M parcels: a word like "dat" matches a million rows.)
# plantile side: `plantile serve` on a tileset built from the same
# shapefile (z10..z12: only the features matter here).
#
# Fairness: both servers pinned to CPU 0 (plantile with GOMAXPROCS=1), the
# load generators (wrk, pgbench) to CPU 1, CLIENTS connections each. The
# script checks that both sides find the same first answer for a sample
# query of each kind.
#
# Environment:
#   COUNTS    parcel counts (default "100000"; "100000 1000000" for both)
#   KINDS     query kinds (default "codes names")
#   DURATION  seconds per measured run (default 15)
#   CLIENTS   connections (default 16)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

COUNTS=${COUNTS:-100000}
DURATION=${DURATION:-15}
KINDS=${KINDS:-codes names}
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
	-c shared_buffers=1GB -c jit=off -c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_custom_plan >"$work/pg.log" 2>&1 &
pgpid=$!
psqlc() { psql -h "$work" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
for _ in $(seq 150); do psqlc -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
psqlc -c 'CREATE EXTENSION unaccent' -c 'CREATE EXTENSION pg_trgm' -c 'CREATE EXTENSION pg_prewarm'
psqlc -c "CREATE FUNCTION f_fold(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS \$\$ SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, \$1)), '[^[:alnum:]]+', ' ', 'g')) \$\$"
pgversion=$(psqlc -c "SELECT split_part(version(), ' ', 2)")
echo "search.sh: PostgreSQL $pgversion; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# p99 of wrk's --latency output, in ms.
wrk_p() {
	awk -v p="$2" '$1 == p { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; printf "%.2f", v }' "$1"
}

# The SQL and the first answer of each kind; $1 is the query text.
sql_codes="SELECT p.fid, p.ma_o FROM parcels p WHERE f_fold(p.ma_o) LIKE f_fold(:q) || '%'
	ORDER BY f_fold(p.ma_o) = f_fold(:q) DESC, length(p.ma_o) LIMIT 10;"
sql_names="SELECT m.value, f.fid FROM (
	SELECT value, f_fold(value) = f_fold(:q) AS eq, ' ' || f_fold(value) || ' ' LIKE '% ' || f_fold(:q) || ' %' AS word,
		' ' || f_fold(value) LIKE '% ' || f_fold(:q) || '%' AS prefix, length(value) AS len
	FROM name_values WHERE f_fold(value) LIKE '%' || f_fold(:q) || '%'
	ORDER BY eq DESC, word DESC, prefix DESC, len, value LIMIT 10) m,
	LATERAL (SELECT fid FROM names n WHERE n.value = m.value ORDER BY fid LIMIT 10) f
	ORDER BY m.eq DESC, m.word DESC, m.prefix DESC, m.len, m.value, f.fid LIMIT 10;"
first_codes() { psqlc -c "SELECT ma_o FROM parcels WHERE f_fold(ma_o) LIKE f_fold('$1') || '%' ORDER BY f_fold(ma_o) = f_fold('$1') DESC, length(ma_o), ma_o LIMIT 1"; }
first_names() { psqlc -c "SELECT value FROM name_values WHERE f_fold(value) LIKE '%$1%' ORDER BY f_fold(value) = f_fold('$1') DESC,
	' ' || f_fold(value) || ' ' LIKE '% $1 %' DESC, ' ' || f_fold(value) LIKE '% $1%' DESC, length(value), value LIMIT 1"; }

for n in $COUNTS; do
	shp=$(bash cmd/bench/parcels.sh "$n")
	ts=.work/bench/search/parcels-$n.mbtiles
	if [ ! -f "$ts" ] || [ "$shp" -nt "$ts" ] || ! sqlite3 "$ts" "SELECT value FROM metadata WHERE name = 'plantile:search'" | grep -q phuong; then
		mkdir -p .work/bench/search
		echo "search.sh: building $ts from $shp (z10..z12)"
		nice "$bin" build "$shp" --layer parcels --minzoom 10 --maxzoom 12 --search parcels=ma_o,ten_dat,phuong -q -o "$ts"
	fi

	# PostgreSQL: the values, the indexes, the queries of each kind.
	ogr2ogr -f PostgreSQL "PG:host=$work user=postgres dbname=postgres" "$shp" -nln parcels \
		-select ma_o,ten_dat,phuong -nlt NONE -lco FID=fid -overwrite
	psqlc >/dev/null <<-SQL
		CREATE INDEX parcels_trgm ON parcels USING gin (f_fold(ma_o) gin_trgm_ops);
		CREATE INDEX parcels_prefix ON parcels (f_fold(ma_o) text_pattern_ops);
		CREATE TABLE names AS SELECT fid, ten_dat AS value FROM parcels UNION ALL SELECT fid, phuong FROM parcels;
		CREATE INDEX names_value ON names (value, fid);
		CREATE TABLE name_values AS SELECT DISTINCT value FROM names;
		CREATE INDEX name_values_trgm ON name_values USING gin (f_fold(value) gin_trgm_ops);
		SELECT setseed(0.42);
		CREATE TABLE q_codes AS
			SELECT row_number() OVER () AS id, CASE WHEN k % 2 = 0 THEN lower(ma_o) ELSE substr(lower(ma_o), 1, 11) END AS q
			FROM (SELECT ma_o, row_number() OVER () AS k FROM (SELECT ma_o FROM parcels ORDER BY random() LIMIT 2000) r) s;
		CREATE TABLE q_names AS
			WITH v AS (SELECT DISTINCT f_fold(value) AS v FROM name_values),
			t AS (SELECT v, regexp_replace(v, '^\S+ ', '') AS tail FROM v WHERE v LIKE '% %'),
			qs AS (SELECT v AS q FROM v
				UNION SELECT tail FROM t
				UNION SELECT left(tail, length(tail) - 2) FROM t WHERE length(tail) > 4
				UNION SELECT w FROM v, regexp_split_to_table(v, ' ') w WHERE length(w) >= 2)
			SELECT row_number() OVER (ORDER BY q) AS id, q FROM qs;
		VACUUM ANALYZE parcels;
		VACUUM ANALYZE names;
		VACUUM ANALYZE name_values;
		SELECT pg_prewarm(c.oid::regclass) FROM pg_class c
			WHERE c.relname IN ('parcels', 'parcels_trgm', 'parcels_prefix', 'names', 'names_value', 'name_values', 'name_values_trgm');
	SQL

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
	echo "search.sh: $n parcels; plantile ready in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')s, RSS ${rss} MiB; ${built:-no search log line}"

	declare -A prps pp50 pp99 qtps qp50 qp99
	for kind in $KINDS; do
		nq=$(psqlc -c "SELECT count(*) FROM q_$kind")
		psqlc -c "COPY (SELECT q FROM q_$kind ORDER BY id) TO STDOUT" >"$work/q_$kind.txt"
		# Both sides must find the same first answer for a sample query
		# (for names, a whole name: its rank is not tied).
		case $kind in
		codes) sample=$(sed -n 1p "$work/q_codes.txt"); pg_first=$(first_codes "$sample") ;;
		names) sample=$(psqlc -c "SELECT q FROM q_names WHERE q LIKE 'xa %' ORDER BY q LIMIT 1"); pg_first=$(first_names "$sample") ;;
		esac
		pt_first=$(curl -fs -G "http://127.0.0.1:$port/search" --data-urlencode "q=$sample" -d limit=1 |
			python3 -c 'import json,sys; f=json.load(sys.stdin)["features"]; print(f[0]["label"] if f else "")')
		[ "$pg_first" = "$pt_first" ] || { echo "search.sh: $kind q=$sample: PostgreSQL finds $pg_first first, plantile $pt_first" >&2; exit 1; }

		{
			echo 'local qs = {}'
			echo 'for line in io.lines("'"$work/q_$kind.txt"'") do qs[#qs + 1] = line:gsub(" ", "%%20") end'
			echo 'math.randomseed(42)'
			echo 'request = function() return wrk.format("GET", "/search?limit=10&q=" .. qs[math.random(#qs)]) end'
			echo 'done = function(s) if s.errors.status > 0 then io.stderr:write("non-2xx: " .. s.errors.status .. "\n") os.exit(1) end end'
		} >"$work/search.lua"
		"${pin_gen[@]}" wrk -t1 -c"$CLIENTS" -d3s -s "$work/search.lua" "http://127.0.0.1:$port" >/dev/null
		"${pin_gen[@]}" wrk -t1 -c"$CLIENTS" -d"${DURATION}s" --latency -s "$work/search.lua" "http://127.0.0.1:$port" >"$work/wrk.txt"
		prps[$kind]=$(awk '/Requests\/sec:/ { printf "%.0f", $2 }' "$work/wrk.txt")
		pp99[$kind]=$(wrk_p "$work/wrk.txt" 99%)
		pp50[$kind]=$(wrk_p "$work/wrk.txt" 50%)
		echo "search.sh: $kind: $nq queries, plantile done"
	done
	kill "$srvpid"; wait "$srvpid" 2>/dev/null || true; srvpid=""

	for kind in $KINDS; do
		nq=$(psqlc -c "SELECT count(*) FROM q_$kind")
		sqlvar="sql_$kind"
		cat >"$work/search.sql" <<-SQL
			\set id random(1, $nq)
			SELECT q FROM q_$kind WHERE id = :id \gset
			${!sqlvar}
		SQL
		chmod a+r "$work/search.sql"
		(cd "$work" && "${pin_gen[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 1 -T 3 -f search.sql postgres >/dev/null 2>&1)
		rm -f "$work"/pgbench_log.*
		(cd "$work" && "${pin_gen[@]}" pgbench -h "$work" -U postgres -n -M prepared -c "$CLIENTS" -j 1 -T "$DURATION" \
			-l --log-prefix="$work/pgbench_log" -f search.sql postgres >"$work/pgbench.out" 2>&1) ||
			{ cat "$work/pgbench.out" >&2; exit 1; }
		qtps[$kind]=$(awk '/^tps = / { printf "%.1f", $3; exit }' "$work/pgbench.out")
		pct() { cat "$work"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.2f", a[i] / 1000 }'; }
		qp99[$kind]=$(pct 0.99)
		qp50[$kind]=$(pct 0.50)
		echo "search.sh: $kind: PostgreSQL done"
	done
	psqlc -c 'DROP TABLE parcels' -c 'DROP TABLE names' -c 'DROP TABLE name_values' -c 'DROP TABLE q_codes' -c 'DROP TABLE q_names'

	echo "search.sh: $n parcels; $CLIENTS connections, ${DURATION}s each; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	for kind in $KINDS; do
		printf 'search.sh: %-6s %-28s %10s q/s   p50 %8s ms   p99 %8s ms\n' "$kind" "plantile /search (HTTP)" "${prps[$kind]}" "${pp50[$kind]}" "${pp99[$kind]}"
		printf 'search.sh: %-6s %-28s %10s q/s   p50 %8s ms   p99 %8s ms\n' "$kind" "PostgreSQL unaccent+pg_trgm" "${qtps[$kind]}" "${qp50[$kind]}" "${qp99[$kind]}"
		awk -v k="$kind" -v a="${prps[$kind]}" -v b="${qtps[$kind]}" -v c="${pp99[$kind]}" -v d="${qp99[$kind]}" \
			'BEGIN { printf "search.sh: %-6s ratio plantile/PostgreSQL: q/s %.2fx, p99 %.2fx (goal: q/s >= 1, p99 < 10 ms)\n", k, a / b, c / d }'
	done
done
