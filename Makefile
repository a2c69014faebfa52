# The seed's verbs (npm run build/start/db:migrate/db:seed/test), in Go form.
GO        ?= go
BIN       ?= bin
PKGS      ?= ./...
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
# nodynamic keeps github.com/gen2brain/webp (the sticker encoder,
# internal/convert) on its WebAssembly build: without it, the package
# links purego, which makes a CGO_ENABLED=0 binary dynamically linked (it
# would not start in the scratch image) and probes for libwebp.so at start
# (about 10 MiB more idle RSS). Every build of ours carries it.
export GOFLAGS += -tags=nodynamic
# Tests that need PostgreSQL, Redis or live Nomad/Consul/Vault agents read
# these; without them those tests skip, naming what they need. Exported so
# that `make test-integration TEST_DATABASE_URL=...` reaches them too.
export TEST_DATABASE_URL
export TEST_REDIS_URL
export TEST_NOMAD_ADDR TEST_NOMAD_TOKEN TEST_CONSUL_ADDR TEST_CONSUL_TOKEN TEST_VAULT_ADDR TEST_VAULT_TOKEN
# The packages whose suites need live services, run whole: the PostgreSQL
# store suite, the Redis cache/limiter/bus suite, the live Nomad, Consul and
# Vault tests (TestLive*), the whatsmeow device store on PostgreSQL, the API's
# caches across gateways on Redis.
INTEGRATION_PKGS ?= ./internal/postgres/ ./internal/redis/ ./internal/nomad/ ./internal/consul/ ./internal/vault/ ./internal/whatsmeow/ ./internal/api/
# The end-to-end tests of cmd/gateway that need them, by name (the rest of
# that package is make test's). internal/deploycheck's
# TestIntegrationRunsEveryLiveTest fails when a test that reads a TEST_*
# address (or calls a helper that does) is missing from these two.
INTEGRATION_E2E  ?= Postgres|Redis|Cluster|WebhookDeliveryFault|TextNoStoreTakes|WhatsmeowSessionFailsHonestly|CallsSandbox|GroupReceiptsSandbox|MessageOptionsSandbox|MessageTypesSandbox|SessionProxy|StatusAndChannelsSandbox|HistoryTenThousand|LinkPreviewSandbox

.PHONY: dev dev-down dev-images images-local dev-agents dev-agents-stop openapi postman env-example all build run migrate seed test test-browser test-integration test-short cover lint fuzz bench bench-http clean

all: build

## build: the gateway (and, when present, the instance worker and CLI) into ./bin
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## run: the gateway, embedded (SQLite in ./data, sandbox engine available), on port 3000
run: build
	$(BIN)/gateway

## migrate: apply database migrations and exit
migrate: build
	$(BIN)/gateway migrate

## seed: default plans and the demo account (demo@whatsapp-saas.com / demo123); refused in production
seed: build
	$(BIN)/gateway seed

## test: every test with the race detector (PostgreSQL/Redis suites run when TEST_* are set)
# The timeout catches a hung test, not a slow machine: cmd/gateway's
# end-to-end suite takes about 270 s with -race on a quiet two-core machine
# and 370-450 s on a loaded one (2026-12-07), against 9 minutes before.
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

## test-short: quick tests without the race detector
test-short:
	$(GO) test -count=1 -short $(PKGS)

## test-browser: the dashboard in headless Chromium; its screenshots (English, Arabic, phone) kept in testdata/artifacts
test-browser:
	mkdir -p testdata/artifacts
	$(GO) test -count=1 -run 'TestDashboardInBrowser$$' -artifacts -outputdir $(CURDIR)/testdata/artifacts ./cmd/gateway/

## test-integration: the suites that need live services (PostgreSQL, Redis, Nomad, Consul, Vault)
test-integration:
	$(GO) test -race -count=1 -timeout 15m $(INTEGRATION_PKGS)
	$(GO) test -race -count=1 -timeout 15m -run '$(INTEGRATION_E2E)' ./cmd/gateway/

## cover: test coverage report in coverage.html
cover:
	$(GO) test -count=1 -coverprofile=coverage.out $(PKGS)
	$(GO) tool cover -html=coverage.out -o coverage.html
	$(GO) tool cover -func=coverage.out | tail -n 1

## lint: formatting and vet
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo 'gofmt needed'; exit 1)
	$(GO) vet $(PKGS)

## fuzz: run the fuzz targets for a while each
fuzz:
	$(GO) test -run XXX -fuzz FuzzParseRecipient -fuzztime 30s ./internal/gateway/
	$(GO) test -run XXX -fuzz FuzzDecode -fuzztime 30s ./internal/api/

## bench-http: wrk against the real binary, each hot path beside the /health/live ceiling
##   (BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… adds the sends on PostgreSQL + Redis)
bench-http:
	scripts/bench-http.sh

## bench: Go benchmarks of the hot paths
bench:
	$(GO) test -run XXX -bench . -benchmem ./internal/sqlite/ ./internal/postgres/ ./cmd/gateway/

## openapi: write the OpenAPI 3.1 document to docs/openapi.json (the gateway serves it at /openapi.json)
openapi:
	@mkdir -p docs
	$(GO) run ./cmd/gateway openapi > docs/openapi.json

## env-example: regenerate .env.example from internal/config's settings table (a test compares them)
env-example:
	$(GO) run ./cmd/gateway config --env-example > .env.example

## postman: write a Postman collection generated from the OpenAPI document to docs/postman_collection.json
postman:
	@mkdir -p docs
	$(GO) run ./cmd/gateway postman > docs/postman_collection.json

clean:
	rm -rf $(BIN) coverage.out coverage.html

## dev: the cluster shape on this Linux machine (PostgreSQL, Redis, Consul, Vault, Nomad, gateway on :3000)
dev:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/instance ./cmd/instance
	docker compose -f docker-compose.dev.yml up --build

## dev-down: stop the dev stack and drop its data
dev-down:
	docker compose -f docker-compose.dev.yml down -v

## dev-images: the gateway and instance images (INSTANCE_DRIVER=docker), pulling the golang builder image
dev-images:
	docker build -t whatsapp-gateway:dev .
	docker build -f Dockerfile.instance -t whatsapp-instance:dev .

## dev-agents: Consul, OpenBao/Vault, Nomad (raw_exec + docker) and a Docker engine on loopback, from binaries on PATH
dev-agents:
	scripts/dev-agents.sh start

## dev-agents-stop: stop what dev-agents started (by PID)
dev-agents-stop:
	scripts/dev-agents.sh stop

## images-local: the same images without any registry: static binaries built here, the Dockerfiles' FROM scratch stage
images-local:
	scripts/image.sh gateway whatsapp-gateway:dev
	scripts/image.sh instance whatsapp-instance:dev
