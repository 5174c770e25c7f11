# Everything starts from nothing: the first target that needs it creates .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready
STAGE  ?= prod

BACKEND ?= moto
# make run CLOCK_RATE=60: the game clock N times real time (devtools.run_local --clock-rate).
CLOCK_RATE ?=
# The web map's npm packages (web/package-lock.json); npm ci writes this file last.
WEB_PACKAGES := web/node_modules/.package-lock.json

.PHONY: run play-world test test-fast test-localstack test-deployed test-reliability lint package deploy import-pois clean bench bench-contention bench-trades fuzz dev-policy

# The Python SDK is reinstalled when the document its models come from, or its code, changes.
SDK_SOURCES := docs/openapi.json clients/python/pyproject.toml clients/python/build_backend.py \
	clients/python/generator-config.yaml $(wildcard clients/python/src/geocritters_sdk/*.py)

$(READY): requirements.txt requirements-dev.txt requirements-clients.txt $(SDK_SOURCES)
	$(PYTHON) -m venv $(VENV)
	# chalice 1.34 (it runs pip to build the packages) requires pip < 26.3.
	$(BIN)/pip install --quiet --upgrade "pip<26.3"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-clients.txt
	# The Python SDK (clients/python/README.md): its build generates the models from
	# docs/openapi.json with the generator installed just above, so no isolated build
	# environment has to be downloaded and filled (~3 s instead of ~30 s).
	$(BIN)/pip install --quiet --no-build-isolation ./clients/python
	# Tools and scripts import the shared package the way the Lambda layer provides it.
	echo "$(CURDIR)/layers/shared" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/geocritters-dev.pth"
	touch $@

## make run [BACKEND=localstack|deployed]: the backend on 127.0.0.1:8000 with an embedded
## AWS (moto server by default; LocalStack host mode with DynamoDB Local on request; or
## the deployed form: `make deploy` into LocalStack, the functions run as processes
## behind its API Gateway).
run: $(READY) $(WEB_PACKAGES)
ifeq ($(BACKEND),localstack)
	bash localstack/run.sh
else ifeq ($(BACKEND),deployed)
	bash localstack/run-deployed.sh
else
	$(BIN)/python -m devtools.run_local $(if $(CLOCK_RATE),--clock-rate $(CLOCK_RATE))
endif

## make play-world: one player living through game time (devtools/play_world.py: buddy,
## egg, a 2 km walk, hatch, candy, weather, the boards) against a running
## `make run CLOCK_RATE=60` (~35 s).
play-world: $(READY)
	$(BIN)/python -m devtools.play_world --clock-rate $(or $(CLOCK_RATE),60)

## make test: every tier that runs here: unit, API on moto, template + package, e2e,
## security, reliability (1,000-action fault run), bench guards; `make fuzz` at its CI
## size (150 examples per operation); then, when this machine can run LocalStack, the
## races and security tiers over HTTP on it, the host executor, and the API tier on the
## deployed form (make test-localstack, make test-deployed).
test: $(READY) web-deps lint
	# tests/swarm and the surge's plots need them (make swarm / make surge install them too).
	$(BIN)/pip install --quiet -r requirements-surge.txt -r requirements-swarm.txt
	FAULT_ACTIONS=1000 $(BIN)/python -m pytest
	$(MAKE) --no-print-directory fuzz
	@if $(BIN)/python -m localstack.launcher check; then \
		$(MAKE) --no-print-directory test-localstack && \
		$(MAKE) --no-print-directory test-deployed; \
	else \
		echo "SKIPPED: the LocalStack tier (see the line above); run it where it can run"; \
	fi

## make test-reliability: the fault-injection run at full size (10,000 actions, ~4 min).
test-reliability: $(READY)
	$(BIN)/python -m pytest tests/reliability

## make test-localstack: the security tests, the API's races and the store's contract over
## HTTP (chalice local) on LocalStack + DynamoDB Local; then LocalStack's host executor and
## authorizer hook running Lambda functions as processes, `chalice deploy --stage dev`
## included (tests/host_lambda, its own LocalStack, ~1.5 min).
test-localstack: $(READY)
	bash localstack/test-tier.sh
	GEOCRITTERS_LOCALSTACK=1 $(BIN)/python -m pytest tests/host_lambda -p no:logging

## make test-deployed: the packaged template deployed into LocalStack with `make deploy`
## (the README's commands), then tests/api and tests/deployed over HTTP through its API
## Gateway, the authorizer and the per-feature functions (run as host processes).
test-deployed: $(READY)
	bash localstack/deployed-tier.sh

## make test-fast: unit and API tiers only (no packaging).
test-fast: $(READY)
	$(BIN)/python -m pytest tests/unit tests/api

## make lint: ruff over the whole tree (config in ruff.toml) and cfn-lint over the template.
lint: $(READY)
	$(BIN)/ruff check .
	$(BIN)/cfn-lint infra/template.json

## make dev-policy: regenerate .chalice/policy-dev.json (chalice deploy --stage dev) from
## the features' declarations; tests/unit/test_infra_functions.py says when it is stale.
dev-policy: $(READY)
	$(BIN)/python -m infra.functions dev-policy --stage dev > .chalice/policy-dev.json

## make package STAGE=prod: build/<stage>/template.json + zips, one function per action.
package: $(READY)
	$(BIN)/python -m infra.package --stage $(STAGE)

## make deploy STAGE=prod BUCKET=<bucket>: make package, then the AWS CLI's
## `cloudformation package` (the zips to S3) and `cloudformation deploy` (stack
## geocritters-<stage>), with whatever credentials and endpoint the AWS CLI finds
## (AWS_ENDPOINT_URL points it at LocalStack: make test-deployed does exactly that).
deploy: package
	@test -n "$(BUCKET)" || { echo "make deploy needs BUCKET=<an S3 bucket for the code>" >&2; exit 2; }
	$(BIN)/aws cloudformation package --template-file build/$(STAGE)/template.json \
		--s3-bucket $(BUCKET) --output-template-file build/$(STAGE)/packaged.json
	$(BIN)/aws cloudformation deploy --template-file build/$(STAGE)/packaged.json \
		--stack-name geocritters-$(STAGE) --s3-bucket $(BUCKET) \
		--capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
		--parameter-overrides Stage=$(STAGE) --no-fail-on-empty-changeset

## make import-pois FILE=pois.geojson [ENDPOINT=http://127.0.0.1:4510]: curated stops and gyms.
import-pois: $(READY)
	$(BIN)/python -m devtools.import_pois $(FILE) --stage dev $(if $(ENDPOINT),--endpoint-url $(ENDPOINT))

## make bench: calls, capacity, CPU, latency, cold start, cost and the peer comparison
## per gameplay action -> a table + build/bench/results.json (needs java and npm).
bench: $(READY)
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m bench

## make bench-contention: 10, 50 and 200 players deploying to / battling ONE gym, and
## joining ONE raid, at once on DynamoDB Local: successes, refusals, cancelled
## transactions, the gym item's write ceiling -> a table + build/bench/contention.json
## (needs java and npm).
bench-contention: $(READY)
	$(BIN)/python -m bench.contention

## make bench-trades: a trade's confirmation on DynamoDB Local: 100 one after another
## (p50/p99, the transaction's items and write units charged) and 20 pairs at once
## -> a few lines + build/bench/trades.json (needs java and npm; under a minute).
bench-trades: $(READY)
	$(BIN)/python -m bench.trades

## make fuzz [FUZZ_EXAMPLES=1000] [FUZZ_SEED=n]: schemathesis from docs/openapi.json
## against the app served like `make run` (fuzz/run.py); installs requirements-fuzz.txt.
.PHONY: fuzz
fuzz: $(READY)
	$(BIN)/pip install --quiet -r requirements-fuzz.txt
	$(BIN)/python -m fuzz.run

clean:
	rm -rf build .chalice/deployments .pytest_cache

## make web-deps: the web map's packages (Leaflet, pinned in web/package-lock.json: npm ci)
## and its browser test's: Playwright and Pillow (requirements-web.txt), and Debian's
## chromium when missing and this machine can install it (root with apt-get). tests/web
## skips, saying why, when one of them is missing.
.PHONY: web-deps web-dist
web-deps: $(WEB_PACKAGES) $(VENV)/.web-ready
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends chromium fonts-liberation) \
			|| echo "could not install chromium: tests/web will skip"; \
		else \
			echo "no chromium, and no root + apt-get to install it: tests/web will skip"; \
		fi; }

$(WEB_PACKAGES): web/package.json web/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd web && npm ci --no-audit --no-fund; \
	else \
		echo "npm not found: the web map (/play/ on make run) needs Leaflet from npm; the API runs without it"; \
	fi

$(VENV)/.web-ready: requirements-web.txt | $(READY)
	$(BIN)/pip install --quiet -r requirements-web.txt
	touch $@

## make web-dist: the web map as static files in build/web-dist/ (web/public + Leaflet's
## dist files), to put on any static host; see README "Web map" for the API URL and CORS.
web-dist: $(WEB_PACKAGES)
	rm -rf build/web-dist
	mkdir -p build/web-dist/vendor
	cp -R web/public/. build/web-dist/
	cp -R web/node_modules/leaflet/dist build/web-dist/vendor/leaflet

## make surge [MIX=<swarm mix.json>] [PEAK=100000]: the launch curve at 1x, 5x and 50x of the
## planned peak through build/bench/results.json (run `make bench` first): the first minute
## each AWS limit is hit, cost per hour, REST vs HTTP API and x86 vs arm64 -> a table +
## build/surge/surge.json + plots (installs requirements-surge.txt).
.PHONY: surge
surge: $(READY)
	$(BIN)/pip install --quiet -r requirements-surge.txt
	$(BIN)/python -m bench.surge $(if $(MIX),--mix $(MIX)) $(if $(PEAK),--peak $(PEAK))

# make swarm's knobs. HOST is often set by the shell to the machine's name: only a URL counts.
USERS ?= 200
SPAWN_RATE ?= 20
DURATION ?= 3m
SWARM_HOST := $(if $(filter http://% https://%,$(HOST)),$(HOST),http://127.0.0.1:8000)

## make swarm [USERS=200] [SPAWN_RATE=20] [DURATION=3m] [HOST=http://127.0.0.1:8000]: Locust
## players (bench/swarm/locustfile.py) walking, catching and spinning through the Python SDK
## against a running `make run` (better: `make run BACKEND=localstack`), headless, then
## build/swarm/: Locust's HTML report and CSVs, plots (requests/s and p50/p99 per route,
## errors by code, hot keys), action_mix.json for `make surge MIX=` (installs
## requirements-swarm.txt).
.PHONY: swarm
swarm: $(READY)
	$(BIN)/pip install --quiet -r requirements-surge.txt -r requirements-swarm.txt
	mkdir -p build/swarm
	PYTHONPATH=$(CURDIR) $(BIN)/locust -f bench/swarm/locustfile.py --headless \
		-u $(USERS) -r $(SPAWN_RATE) -t $(DURATION) -H $(SWARM_HOST) \
		--csv build/swarm/swarm --csv-full-history --html build/swarm/report.html \
		--swarm-out build/swarm --exit-code-on-error 0
	$(BIN)/python -m bench.swarm.report build/swarm --host $(SWARM_HOST)
