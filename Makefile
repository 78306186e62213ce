# Hearth's vocabulary. `make run` and `make test` are the two commands a newcomer needs.
CARGO ?= cargo

.PHONY: run test lint fmt bench

## Start every service in one process on http://localhost:8080 (SQLite and files under ./data).
run:
	$(CARGO) run --release -p hearth -- serve

## Every test of the workspace: unit, in-process (SQLite and PostgreSQL), black-box, browser.
## Runs with cargo-nextest when it is installed (one summary line), else with cargo test.
test:
	$(CARGO) build -p hearth
	if $(CARGO) nextest --version >/dev/null 2>&1; then \
	  tests/support/with-postgres.sh $(CARGO) nextest run --workspace --no-fail-fast; \
	else \
	  tests/support/with-postgres.sh $(CARGO) test --workspace --no-fail-fast; \
	fi

## Formatting and clippy, as CI checks them.
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## The figures of docs/benchmarks.md (release build; wrk, hyperfine, libvips-tools, time).
bench:
	bench/foundation.sh
	bench/photos_thumbnail.sh
