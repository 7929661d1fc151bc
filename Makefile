PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: test lint typecheck pytest demo run bench clean browser test-browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench
	$(BIN)/ruff format --check bot tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/aig-feedback demo

run: $(STAMP)
	$(BIN)/aig-feedback run

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# The real bot process against the loopback stand-ins: writes bench/results.md (about 7 minutes,
# most of it the soak waiting out the gateway budget's real 5-minute window).
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

# Debian's Chromium, which the browser test (tests/browser) drives through Playwright; nothing
# is downloaded by Playwright itself. Without it that test skips and says so.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

browser:
	@if [ -x $(CHROMIUM) ]; then \
		echo "chromium is installed: $$($(CHROMIUM) --version 2>/dev/null)"; \
	else \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-color-emoji; \
	fi

test-browser: $(STAMP)
	$(BIN)/pytest -q tests/browser

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
