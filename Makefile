# The two commands of the README. `make demo` sets up and runs the main job on the embedded defaults;
# `make test` installs the dev dependencies and runs the whole test suite (what CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is pinned to the CPU build that lies on disk here; installing it in the same pip command
# keeps pip from resolving a multi-GB CUDA build.
INSTALL := $(BIN)/pip install --disable-pip-version-check -q

.PHONY: demo test install install-dev lint evals eval-llm bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(INSTALL) torch==2.13.0 -e .

install-dev: $(BIN)/python
	$(INSTALL) torch==2.13.0 -e ".[dev]"

demo: install
	$(BIN)/deal-assistant demo

lint: install-dev
	$(BIN)/ruff check assistant ingest evals tests
	$(BIN)/ruff format --check assistant ingest evals tests
	$(BIN)/mypy
	$(BIN)/lint-imports

CALIBRATION ?= ../shared/calibration

evals: install-dev
	$(BIN)/deal-assistant eval run --dataset evals/datasets/demo.jsonl --knowledge knowledge --check --report reports/eval.md --html reports/eval.html
	@if [ -d "$(CALIBRATION)/knowledge" ]; then \
	  $(BIN)/deal-assistant eval run --dataset $(CALIBRATION)/golden.jsonl --knowledge $(CALIBRATION)/knowledge \
	    --thresholds evals/thresholds-calibration.yaml --check --no-compare-baseline \
	    --report reports/eval-calibration.md --html reports/eval-calibration.html; \
	else echo "no calibration corpus at $(CALIBRATION): skipped its eval"; fi
	$(BIN)/deal-assistant eval sow --check --report reports/eval-sow.md

test: lint
	$(BIN)/pytest -q
	$(MAKE) --no-print-directory evals

# The model path beside offline on both corpora, through the model DEAL_LLM names (outside CI: it needs
# a model; knowledge-base text goes to DEAL_LLM_BASE_URL or the provider).
eval-llm: install-dev
	$(BIN)/deal-assistant eval llm --dataset evals/datasets/demo.jsonl --knowledge knowledge \
	  --report reports/eval-llm.md --json reports/eval-llm.json
	@if [ -d "$(CALIBRATION)/knowledge" ]; then \
	  $(BIN)/deal-assistant eval llm --dataset $(CALIBRATION)/golden.jsonl --knowledge $(CALIBRATION)/knowledge \
	    --report reports/eval-llm-calibration.md --json reports/eval-llm-calibration.json; \
	else echo "no calibration corpus at $(CALIBRATION): skipped"; fi

bench: install-dev
	$(BIN)/deal-assistant bench

clean:
	rm -rf $(VENV) .deal-assistant reports bench-results.json bench-results.md bench-retrieval-latency.png
