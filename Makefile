# The two commands of a new machine: `make run` and `make test`.
SWIFT ?= swift

.PHONY: bootstrap build run test bench fuzz clean

bootstrap:
	@scripts/bootstrap

build: bootstrap
	$(SWIFT) build -c release --product gateway

## Build in release and start the gateway on its embedded defaults (127.0.0.1:8080, data in ./data).
run: build
	$(SWIFT) run -c release --skip-build gateway --config config/switchyard.example.json

## Lint the Swift sources (.swift-format), build everything, run the whole test suite, the console in headless
## Chromium, then Schemathesis against a gateway from its own /openapi.json.
test: export SWITCHYARD_DEV_TARGETS = 1
test: bootstrap
	$(SWIFT) format lint --strict --recursive Sources Tests fuzz bench Package.swift
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/console-test
	scripts/schemathesis

## Run the benchmarks in bench/ (not part of the tests).
bench: export SWITCHYARD_DEV_TARGETS = 1
bench:
	@scripts/bootstrap --bench
	bench/run

## Fuzz every parser of sender input for FUZZ_SECONDS each (default 60); crash inputs land in fuzz/crashes/.
FUZZ_SECONDS ?= 60
fuzz: export SWITCHYARD_DEV_TARGETS = 1
fuzz: bootstrap
	scripts/fuzz $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz
