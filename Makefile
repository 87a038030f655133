# Warroom's build and test entry points. `make test` is what CI runs.
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS       := -s -w -X main.version=$(VERSION)
BENCHTIME     ?= 1s

.PHONY: all build test fmt-check vet staticcheck unit bench run console image clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/warroom .

# test: formatting, vet, staticcheck at a pinned version, then every test
# with the race detector. Tests use REDIS_URL when it is set, else an
# embedded Redis.
test: fmt-check vet staticcheck unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

unit:
	$(GO) test -race -count=1 ./...

# bench: Go benchmarks; the figures go in the README, never into assertions.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

console:
	$(GO) run . console

run:
	$(GO) run . serve

image:
	docker build -t warroom:$(VERSION) .

clean:
	rm -rf bin
