# Partage — `make run` runs the main job, `make test` the tests.
# Every target creates .venv and installs the project on first use.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint app bench validate clean browser

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

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

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
	rm -rf $(VENV) .pytest_cache .ruff_cache
