# aelatent -- the two commands of the README are `make run` and `make test`.
# Both create the virtual environment .venv first (once), with the exact versions of
# requirements-lock.txt (those the regression references were made with).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= default
DATA ?=
RUN_NAME ?=
SEED ?= 0
MODEL ?= ae
SECOND_CASE ?= 1
SWEEPS ?=

.PHONY: setup browser lock run report test regress regress-update bench figures clean

$(BIN)/.installed: requirements-lock.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/.installed  ## create .venv with everything the project needs

browser:  ## Debian's chromium + chromium-driver for tests/test_browser.py (apt-get, as root)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and chromium-driver (apt-get) for the browser test"; \
		apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; \
	else echo "note: chromium and chromium-driver are missing; as root: apt-get install chromium" \
		"chromium-driver. Without them tests/test_browser.py is skipped (a failure in CI)."; fi

lock:  ## re-resolve requirements.txt in a fresh venv and write its exact versions to requirements-lock.txt
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install --quiet -r requirements.txt; \
	{ sed -n '1,3p' requirements-lock.txt; "$$tmp/venv/bin/python" -m pip freeze --exclude-editable; } \
		> "$$tmp/lock"; mv "$$tmp/lock" requirements-lock.txt
	@echo "requirements-lock.txt rewritten: refresh the references too (make regress-update)"

run: setup  ## run the notebook series: make run [DATA=/path/to/celeba] [PROFILE=smoke|default|full] [MODEL=ae|vae|rae] [SECOND_CASE=0] [SWEEPS=0|1]
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m aelatent run --profile $(PROFILE) --data "$(DATA)" \
		--run-name "$(RUN_NAME)" --seed $(SEED) --model $(MODEL) $(if $(filter 0,$(SECOND_CASE)),--no-second-case) \
		$(if $(filter 0,$(SWEEPS)),--no-sweeps) $(if $(filter 1,$(SWEEPS)),--sweeps)

report: setup  ## write runs/<run>/report/index.html for the last run (or RUN_NAME=...)
	$(BIN)/python -m aelatent report --run-name "$(RUN_NAME)"

TEST_WORKERS ?= auto

test: setup browser  ## run the test suite in one worker per core (uses ../shared/data/celeba_subset when present) [TEST_WORKERS=n]
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15

REGRESS_DATA ?= auto

regress: setup  ## smoke series, seed 0, fresh run; compare metrics with tests/reference/ [REGRESS_DATA=auto|""|/path]
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m aelatent regress --data "$(REGRESS_DATA)"

regress-update: setup  ## reference run alone, then the float and seed variants side by side, one per core and one thread each; writes values and tolerances
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python -m aelatent regress --data "$(REGRESS_DATA)" --update

BENCH_ENCODE_N ?= 202599
BENCH_SERIES ?= --profile smoke

bench: setup  ## print the performance figures (benchmarks/README.md); about 30 min on 2 cores
	cd benchmarks && for b in ceiling pipeline; do \
		TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_$$b.py || exit 1; done
	cd benchmarks && TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_encode.py --n $(BENCH_ENCODE_N)
	cd benchmarks && for b in stats knn sampler_fits league_statistics; do \
		TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_$$b.py || exit 1; done
	cd benchmarks && TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_series.py $(BENCH_SERIES)
	cd benchmarks && TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_schedule.py
	cd benchmarks && TF_CPP_MIN_LOG_LEVEL=3 ../$(BIN)/python bench_estimate.py

figures: setup  ## redraw the README's pictures (docs/figures/) from the default run on the synthetic faces
	TF_CPP_MIN_LOG_LEVEL=3 $(BIN)/python docs/make_figures.py

clean:  ## remove runs, caches and the virtual environment
	rm -rf runs cache $(VENV)
