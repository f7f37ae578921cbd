# Partage — `make run` runs the main job, `make test` the tests.
# Every target creates .venv and installs the project on first use; `make test` also makes sure
# Debian's chromium is there (installed when run as root, else one line naming the command).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint app bench validate clean chromium docs docs-serve examples

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/partage run scenarios/baseline.toml --out results/baseline
	$(BIN)/partage run scenarios/tool_library.toml --out results/tool_library
	$(BIN)/partage plot-adoption results/baseline results/tool_library --out results/adoption.png
	$(BIN)/partage run scenarios/bordeaux_metropole.toml --households 20000 --out results/bordeaux_metropole
	$(BIN)/partage map results/bordeaux_metropole --outcome car.without.share --month 120 --out results/bordeaux_car_free.png

CHROMIUM ?= $(or $(PARTAGE_CHROMIUM),/usr/bin/chromium)

# The browser tests and the council report's PDF need Chromium: no test is skipped for want of it.
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium (browser tests, PDF report)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Chromium at $(CHROMIUM); install it with: sudo apt-get install chromium" >&2; \
	    exit 1; \
	  fi; }

test: chromium $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir site

# The documentation site from docs/ (mkdocs.yml); --strict fails on a broken link or a missing page.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# Every example output the documentation shows, from the command written beside it (docs/examples.toml).
examples: $(STAMP)
	$(BIN)/partage docs regenerate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

app: $(STAMP)
	$(BIN)/partage app

bench: $(STAMP)
	$(BIN)/partage bench

validate: $(STAMP)
	$(BIN)/partage validate

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache site
