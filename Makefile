# plantile — make targets. `make help` lists them.
# Everything a target needs is installed by the target itself (apt-get for
# system packages, npm ci from the lockfile for the web map's packages).

SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/plantile
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# System packages: to build (cgo against PROJ), to test (reference tools and
# the browser), to benchmark (the peers we measure against).
APT_BUILD := pkg-config libproj-dev libdeflate-dev
APT_TEST  := proj-bin gdal-bin chromium qgis python3-qgis postgresql-15-postgis-3
APT_BENCH := nginx wrk time

# apt_install installs the packages of $(1) that are not installed yet.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "make: installing$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq$$missing >/dev/null; \
	fi
endef

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: deps-build deps-test deps-bench deps-web
deps-build: ## install the system packages needed to build
	$(call apt_install,$(APT_BUILD))

deps-test: deps-build deps-web ## install what the tests need
	$(call apt_install,$(APT_TEST))

deps-bench: deps-test ## install the benchmark peers
	$(call apt_install,$(APT_BENCH))

deps-web: ## install the web map's npm packages from the lockfile
	@if [ -f web/package-lock.json ]; then \
		if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then \
			(cd web && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
		fi; \
		bash web/vendor.sh || exit 1; \
	fi

# Go sources of the binary (not tests): what the demo tileset depends on.
GO_SRC   := $(shell find cmd pkg tiles styles web -name '*.go' -not -name '*_test.go' -not -path '*/node_modules/*' 2>/dev/null)
# The Son La demo: the sample plan as shapefiles (VN-2000, as districts
# deliver them) and the real boundaries as GeoJSON.
DEMO_SRC := $(sort $(wildcard testdata/sonla/shp/*.shp)) testdata/sonla/boundaries/boundaries.geojson
DEMO     := tiles/sonla.mbtiles

.PHONY: build
build: deps-build deps-web $(DEMO) ## build bin/plantile with the Son La demo tileset inside
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/plantile

# The demo tileset is built by plantile itself (a first binary without the
# demo), then embedded into the final binary by `go build` (package tiles).
$(DEMO): $(DEMO_SRC) $(GO_SRC) | deps-build deps-web
	$(GO) build -o bin/plantile-bootstrap ./cmd/plantile
	bin/plantile-bootstrap build $(DEMO_SRC) -o $@ --name "Sơn La" \
		--attribution "Ranh giới: dvhcvn (GPL-3.0); quy hoạch: dữ liệu mẫu" \
		--description "Son La demo: real boundaries, SAMPLE zoning plan of Son La city" -q

.PHONY: demo-data
demo-data: deps-test ## regenerate the sample plan in testdata/sonla (deterministic)
	$(GO) run ./cmd/plantile-demo sonla

.PHONY: run
run: build ## build and serve the default data directory's catalog (the Son La demo published into it on first start) with the upload API
	./$(BIN) serve

.PHONY: lint
lint: deps-build ## gofmt -s and go vet must be silent
	@out=$$(gofmt -s -l cmd pkg tiles styles web/*.go); if [ -n "$$out" ]; then echo "gofmt -s needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Packages whose concurrency (hot reload, caches, shared indexes) is tested
# again under the race detector by `make test`, and the end-to-end test of
# uploads and rollbacks under read load (serve, catalog, publish together).
RACE_PKGS := ./pkg/server/... ./pkg/index/...
RACE_E2E  := '^TestUploadsUnderLoad$$'

.PHONY: test
test: deps-test lint build ## install what is missing and run every test (Go, fuzz corpora, browser)
	$(GO) test -count=1 -timeout 30m ./...
	$(GO) test -race -count=1 -timeout 15m $(RACE_PKGS)
	$(GO) test -race -count=1 -timeout 10m -run $(RACE_E2E) ./cmd/plantile
	cd web && PLANTILE_BIN=$(CURDIR)/$(BIN) npm test

.PHONY: soak
SOAK_DURATION ?= 10m
soak: build ## mixed load on loopback while tilesets are replaced (rename, cp, VACUUM, broken file) for SOAK_DURATION
	$(GO) run ./cmd/soak -bin $(BIN) -duration $(SOAK_DURATION)

.PHONY: fuzz
FUZZTIME ?= 60s
fuzz: deps-build ## run every fuzz target for FUZZTIME each (default 60s)
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

.PHONY: bench
bench: deps-bench build ## benchmarks against GDAL, nginx and PostGIS (COUNTS="100000 1000000"); prints ratios
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...
	@set -e; for s in cmd/bench/*.sh; do [ -f "$$s" ] && bash "$$s"; done

.PHONY: clean
clean: ## remove build outputs (not the benchmark data in .work)
	rm -rf bin $(DEMO) web/test/out
