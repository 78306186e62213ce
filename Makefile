# Hearth's vocabulary. `make run` and `make test` are the two commands a newcomer needs.
CARGO ?= cargo

# HEIC/HEIF previews need the system's libheif (Debian: pkg-config and libheif-dev). Without
# it Hearth still builds and runs; HEIC photos are stored but get no preview. Read when a
# recipe runs (`=`), so that `make test` sees what its `test-tools` step just installed.
HEIC = $(shell pkg-config --exists libheif 2>/dev/null && echo yes)
FEATURES = $(if $(HEIC),,--no-default-features)
NO_HEIC := echo "note: pkg-config or libheif-dev is missing: HEIC photos get no preview (apt-get install pkg-config libheif-dev)"

.PHONY: run test test-tools lint fmt bench images e2e-docker k8s-validate e2e-kind

## Start every service in one process on http://localhost:8080 (SQLite and files under ./data).
run:
	@$(if $(HEIC),true,$(NO_HEIC))
	$(CARGO) run --release -p hearth $(FEATURES) -- serve

## Every test of the workspace: unit, in-process (SQLite and PostgreSQL), black-box, browser.
## Installs the Debian packages the tests use first, when it can (test-tools). Runs with
## cargo-nextest when it is installed (one summary line), else with cargo test.
test: test-tools k8s-validate
	@$(if $(HEIC),true,$(NO_HEIC); echo "!!! SKIPPED: the HEIC tests"; [ "$$HEARTH_REQUIRE_ALL" != 1 ] || exit 1)
	$(CARGO) build -p hearth $(FEATURES)
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  tests/support/with-postgres.sh $(CARGO) nextest run --workspace --no-fail-fast $(FEATURES); \
	else \
	  tests/support/with-postgres.sh $(CARGO) test --workspace --no-fail-fast $(FEATURES); \
	fi

## The Debian packages of tests/support/debian-packages: installed when running as root on
## Debian, else named with the command that installs them.
test-tools:
	@tests/support/install-test-tools.sh

## One image per service and one of the all-in-one process, tagged with the git commit, and
## their `docker save` archives in target/images/ (deploy/images/build.sh).
images:
	deploy/images/build.sh

## The images on real containers as deploy/compose.yaml wires them, with PostgreSQL and a front
## door, the black-box suite against them, and the faults (tests/e2e-docker/run.sh).
e2e-docker: images
	tests/e2e-docker/run.sh

## The Kubernetes manifests offline: every overlay, example and GitOps folder rendered, checked
## against Kubernetes 1.33's schemas, the CRDs' and Hearth's policy; the broken fixtures must
## fail (tests/k8s/validate.sh). Part of `make test`.
k8s-validate:
	tests/k8s/validate.sh

## The images on a kind cluster, the dev zone with every service, the black-box suite through
## a port-forward (tests/k8s/e2e-kind.sh), after `make images`. Needs docker, kind, kubectl,
## helm and the network.
e2e-kind:
	tests/k8s/e2e-kind.sh

## Formatting and clippy, as CI checks them.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets $(FEATURES) -- -D warnings

fmt:
	$(CARGO) fmt --all

## The figures of docs/benchmarks.md (release build; wrk, hyperfine, libvips-tools, time).
bench:
	bench/foundation.sh
	bench/photos_thumbnail.sh
	bench/photos_ingest.sh
	bench/bugs.sh
	bench/games.sh
