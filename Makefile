# Warroom's build and test entry points. `make test` is what CI runs.
GO            ?= go
STATICCHECK   := honnef.co/go/tools/cmd/staticcheck@v0.8.2
DUPL          := github.com/mibk/dupl@v1.0.0
# VERSION, COMMIT and BUILD_DATE are stamped into the binary (`warroom
# version`); left empty, it falls back on what Go recorded at build time.
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT        ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS       := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(BUILD_DATE)
BENCHTIME     ?= 1s

.PHONY: all build test fmt-check vet staticcheck dupl unit bench run console image clean teams-app screenshots

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/warroom .

# test: formatting, vet, staticcheck and the clone detector at pinned
# versions, then every test with the race detector. Tests use REDIS_URL
# when it is set, else an embedded Redis.
test: fmt-check vet staticcheck dupl unit

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# dupl: no production code does the same thing twice. Every non-test file
# is checked for clones of 100 tokens or more, but the two message
# catalogs: they are one table in two languages, the same shape on purpose.
dupl:
	@out=$$($(GO) run $(DUPL) -t 100 $$(git ls-files '*.go' | grep -v '_test\.go$$' | grep -v '^bot/catalog_')); \
	if ! printf '%s\n' "$$out" | grep -q 'Found total 0 clone groups'; then echo "dupl: near-copies in production code:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 ./...

# bench: Go benchmarks, then the load benchmark of bench/ (Warroom against
# a floor, over HTTP, on the real Redis at REDIS_URL or 127.0.0.1:6379;
# the load benchmark takes about 2½ minutes, most of it the storm's channels
# waiting for Slack's rate tiers;
# BENCHFLAGS=-storm=false skips it). The figures go in the README, never
# into assertions; `make test` does not run bench/.
BENCHFLAGS    ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...
	$(GO) run ./bench $(BENCHFLAGS)

# screenshots: refreshes docs/screenshots/, the README's pictures of the
# web pages, from the real-browser tests (it needs Debian's chromium and
# fonts-noto-cjk).
screenshots:
	WARROOM_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -run Browser ./e2e/ ./adapters/web/ -count=1

console:
	$(GO) run . console

run:
	$(GO) run . serve

image:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg BUILD_DATE=$(BUILD_DATE) -t warroom:$(VERSION) .

# teams-app: bin/warroom-teams.zip, the app package a team owner uploads
# to Teams: adapters/teams/manifest with the placeholder IDs replaced by
# MICROSOFT_APP_ID (the Azure Bot's app ID, a GUID) and its version set to
# TEAMS_APP_VERSION, files at the zip's root. Teams wants MAJOR.MINOR.PATCH
# and a higher one to update an installed app: the release tag's (v1.4.2 →
# 1.4.2, also for commits after it), else 0.0.<number of commits>.
TEAMS_APP_VERSION ?= $(shell v=$$(echo '$(VERSION)' | sed -E 's/^v//; s/-.*//'); \
	if echo "$$v" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+'; then echo "$$v"; \
	else echo "0.0.$$(git rev-list --count HEAD 2>/dev/null || echo 0)"; fi)
teams-app:
	@echo '$(MICROSOFT_APP_ID)' | grep -Eqx '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}' || \
		{ echo "teams-app: set MICROSOFT_APP_ID to the bot's app ID (a GUID)" >&2; exit 1; }
	@echo '$(TEAMS_APP_VERSION)' | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+' || \
		{ echo "teams-app: TEAMS_APP_VERSION must be MAJOR.MINOR.PATCH, got '$(TEAMS_APP_VERSION)'" >&2; exit 1; }
	@mkdir -p bin && rm -f bin/warroom-teams.zip && \
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed -e 's/00000000-0000-0000-0000-000000000000/$(MICROSOFT_APP_ID)/g' \
		-e 's/"version": "0\.0\.0"/"version": "$(TEAMS_APP_VERSION)"/' \
		adapters/teams/manifest/manifest.json > "$$tmp/manifest.json" && \
	cp adapters/teams/manifest/color.png adapters/teams/manifest/outline.png "$$tmp/" && \
	out="$(CURDIR)/bin/warroom-teams.zip" && cd "$$tmp" && \
	if command -v zip >/dev/null 2>&1; then zip -q -X "$$out" manifest.json color.png outline.png; \
	else python3 -m zipfile -c "$$out" manifest.json color.png outline.png; fi
	@echo "bin/warroom-teams.zip (version $(TEAMS_APP_VERSION)): upload it in Teams (Apps → Manage your apps → Upload an app)"

clean:
	rm -rf bin
