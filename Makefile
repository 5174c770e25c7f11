# Everything starts from nothing: the first target that needs it creates .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
STAGE  ?= prod

.PHONY: run test test-fast test-packaging lint package import-pois clean

$(READY): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	# Tools and scripts import the shared package the way the Lambda layer provides it.
	echo "$(CURDIR)/layers/shared" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/geocritters-dev.pth"
	touch $@

## make run: the backend on 127.0.0.1:8000 with an embedded AWS (moto server).
run: $(READY)
	$(BIN)/python -m devtools.run_local

## make test: every tier that runs here (unit, API on moto, template + package).
test: $(READY) lint
	$(BIN)/python -m pytest

## make test-fast: unit and API tiers only (no packaging).
test-fast: $(READY)
	$(BIN)/python -m pytest tests/unit tests/api

lint: $(READY)
	$(BIN)/cfn-lint infra/template.json

## make package STAGE=prod: build/<stage>/template.json + zips, one function per action.
package: $(READY)
	$(BIN)/python -m infra.package --stage $(STAGE)

## make import-pois FILE=pois.geojson [ENDPOINT=http://127.0.0.1:4510]: curated stops and gyms.
import-pois: $(READY)
	$(BIN)/python -m devtools.import_pois $(FILE) --stage dev $(if $(ENDPOINT),--endpoint-url $(ENDPOINT))

clean:
	rm -rf build .chalice/deployments .pytest_cache
