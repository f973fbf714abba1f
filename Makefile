# The two commands an operator needs: `make run` and `make test`.
# Both install what is missing on a Debian machine first (apt-get, non-interactive).

SWIFT        ?= swift
CONFIG       ?= config.yaml
DEBIAN_DEPS  := pkg-config libxml2-dev libxml2-utils libssl-dev libsrtp2-dev libusrsctp-dev \
                libavcodec-dev libswscale-dev libavutil-dev sip-tester baresip-core python3 openssl
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build release run test venv fuzz bench schemas openapi clean

all: build

# Installs only the Debian packages that are not there yet.
deps:
	@missing=""; for p in $(DEBIAN_DEPS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Starts the bridge: with ./config.yaml when there is one (CONFIG=path to choose another), else on the embedded
# default (SIP on 127.0.0.1:5060 udp/tcp and 5061 tls, media on 10000, state in ./var, room "demo").
run: release
	.build/release/clue-mcu serve $(if $(wildcard $(CONFIG)),--config $(CONFIG))

test: deps venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The Python environment of the test peers (Tests/BridgeTests/peers: aiortc...), in .venv; pip runs again only when
# Tests/requirements.txt changes. Debian's python3-venv is installed when python3 cannot make a venv.
venv: .venv/.stamp

.venv/.stamp: Tests/requirements.txt
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing: python3-venv"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv; }
	python3 -m venv .venv
	.venv/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
	touch $@

# Regenerates the Swift file that embeds the XML schemas (run after editing Sources/CLUEModel/Schemas/*.xsd).
schemas:
	scripts/embed-schemas.sh

# Regenerates the Swift file that embeds the admin API's OpenAPI document (run after editing openapi.yaml).
openapi:
	scripts/embed-openapi.sh

# Coverage-guided fuzzing of the CLUE XML reader with libFuzzer (FUZZ_SECONDS per target).
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Benchmarks print ratios against a baseline measured in the same run (never asserted in tests).
bench: deps
	$(SWIFT) run -c release clue-bench
	$(SWIFT) run -c release session-bench
	Benchmarks/sip-load/run.sh
	Benchmarks/clue-join/run.sh
	$(SWIFT) run -c release forward-bench
	$(SWIFT) build -c release --product srtp-bench && taskset -c 1 $$($(SWIFT) build -c release --show-bin-path)/srtp-bench
	$(SWIFT) run -c release mixer-bench
	$(SWIFT) run -c release compose-bench

clean:
	rm -rf .build .venv
