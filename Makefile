# Two commands matter: `make demo` (set everything up, run the drill on the local emulators) and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
SETUP_STAMP := .venv/.setup-done
SETUP_INPUTS := scripts/setup.sh requirements/dev.txt requirements/localstack.txt requirements/checkov.txt requirements/lambda-runtime.txt tools/lambda_host/pyproject.toml pyproject.toml tools/tfstandin/build.py tools/tfstandin/schema.py tools/tfstandin/responses.py

.PHONY: setup demo test validate lint emulators docs bench clean

setup: $(SETUP_STAMP)
$(SETUP_STAMP): $(SETUP_INPUTS)
	bash scripts/setup.sh
	touch $@

demo: setup ## the drill: replay the seed campaigns on LocalStack + moto, print the detection matrix
	$(PY) -m cryptoguard drill --report reports/drill.md

test: setup ## every test: unit, emulator, terraform validate and terraform test (real-apply tier skips without the real providers)
	$(PY) -m pytest

validate: setup ## real terraform validate (current and floor providers, offline stand-ins), descriptions, fmt, checkov
	$(PY) -m tools.tfcheck

lint: setup
	.venv/bin/ruff check lambda_src tools tests bench && .venv/bin/ruff format --check lambda_src tools tests bench

emulators: setup ## start LocalStack and moto for manual use; Ctrl-C stops them
	$(PY) -m cryptoguard emulators

docs: setup ## regenerate README tables (module inputs/outputs, rule catalogue)
	$(PY) -m tools.docs --write

bench: setup
	$(PY) bench/hunt.py

clean:
	rm -rf .venv .venv-localstack .venv-checkov .cache reports
