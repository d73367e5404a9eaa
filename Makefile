# Fresh-machine entry points (see README.md): `make run` builds and serves the lab,
# `make test` runs the whole test suite. Both install what is missing first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_WASM ?= build-wasm
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Where CIFAR-10 is read from: UNRAVEL_DATA as given (used as it is), else this workplace's
# shared copy if present, else the official tarball, downloaded once into CIFAR_CACHE and checked
# against its MD5 by tools/fetch_cifar.mjs (offline, it says what to download and where to put
# it; the tests that need the data then skip). Made absolute: the tests read it from inside the
# build folders.
CIFAR_CACHE ?= $(or $(UNRAVEL_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/unravel)
UNRAVEL_DATA ?= $(firstword $(wildcard ../shared/cifar10/cifar-10-binary.tar.gz))
ifeq ($(strip $(UNRAVEL_DATA)),)
FETCH_CIFAR := 1
override UNRAVEL_DATA := $(CIFAR_CACHE)/cifar-10-binary.tar.gz
endif
override UNRAVEL_DATA := $(abspath $(UNRAVEL_DATA))
export UNRAVEL_DATA
# Prefix for commands that read the data: a fetched tarball only once it is there.
WITH_DATA = $(if $(FETCH_CIFAR),UNRAVEL_DATA="$$([ -f '$(UNRAVEL_DATA)' ] && echo '$(UNRAVEL_DATA)')")

# command:package pairs; a command already on PATH (e.g. node and npm from another source) is
# not installed again.
APT_NEEDS = cmake:cmake gcc:gcc make:make node:nodejs npm:npm emcc:emscripten chromium:chromium \
            bash:bash clang:clang
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: single data deps test-deps native asan wasm web web-deps test test-native test-asan test-web test-fuzz fuzz fuzz-build run demo bench clean

deps:
	@missing=""; for need in $(APT_NEEDS); do command -v $${need%%:*} >/dev/null 2>&1 || missing="$$missing $${need#*:}"; done; \
	dpkg -s zlib1g-dev >/dev/null 2>&1 || missing="$$missing zlib1g-dev"; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
	@# libFuzzer's runtime comes with the clang version installed (a Recommends, so check it)
	@if command -v clang >/dev/null 2>&1 && ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then \
	  rt=libclang-rt-$$(clang -dumpversion | cut -d. -f1)-dev; echo "installing: $$rt"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$rt; fi

# The official CIFAR-10 tarball in the cache, when no UNRAVEL_DATA (or workplace copy) is given.
data: deps
ifdef FETCH_CIFAR
	@UNRAVEL_CACHE='$(CIFAR_CACHE)' node tools/fetch_cifar.mjs >/dev/null || \
	  echo "make: continuing without CIFAR-10: the tests that need it skip, the page ships no test images"
endif

native: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DUNRAVEL_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)

test-native: native data
	cd $(BUILD) && $(WITH_DATA) ctest -LE web --output-on-failure -j $(JOBS)

test-asan: asan data
	cd $(BUILD_ASAN) && $(WITH_DATA) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

# One suite after the other: test-web reconfigures $(BUILD), which must not happen while
# test-native's ctest runs in it (make -j test).
# Test-only packages: PyTorch for the importer's and the training recipe's tests, Pillow for
# the recipe's packed data (models/pack_data.py).
test-deps: deps
	@missing=$$(for p in python3-torch python3-pil; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

test: test-deps
	$(MAKE) test-native
	$(MAKE) test-asan
	$(MAKE) test-web
	$(MAKE) test-fuzz

# ---- fuzzing (fuzz/): libFuzzer with ASan+UBSan, clang only ---------------------------------
fuzz-build: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DUNRAVEL_SANITIZE=ON -DUNRAVEL_FUZZ=ON
	cmake --build $(BUILD_FUZZ) -j $(JOBS)

# Replays the seed corpora and fuzz/regressions, then a fixed-seed, fixed-count campaign per target.
test-fuzz:
	@if command -v clang >/dev/null 2>&1; then $(MAKE) fuzz-build && cd $(BUILD_FUZZ) && ctest --output-on-failure; \
	else echo "test-fuzz: no clang: the fuzz targets are not built (make deps installs it)"; fi

# Open-ended campaigns: FUZZ_SECONDS per target (0: until interrupted); crashes land in
# $(BUILD_FUZZ)/fuzz/findings-<target>/ (fix, then copy the input to fuzz/regressions/<target>/).
FUZZ_TARGETS ?= model cifar
FUZZ_SECONDS ?= 600
fuzz: fuzz-build
	cd $(BUILD_FUZZ)/fuzz && ./make_seeds corpus && for t in $(FUZZ_TARGETS); do \
	  mkdir -p campaign-$$t findings-$$t && \
	  ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 -artifact_prefix=findings-$$t/ \
	    campaign-$$t corpus/$$t $(CURDIR)/fuzz/regressions/$$t || exit 1; done

# ---- WebAssembly engine, the page and their tests (wasm/, web/, tests/web/) -----------------
# Debian's emcc needs NODE_PATH; npm packages are pinned by the lock files.
EMCC_ENV = NODE_PATH=/usr/share/nodejs

wasm: deps
	$(EMCC_ENV) emcmake cmake -S . -B $(BUILD_WASM) -DCMAKE_BUILD_TYPE=Release
	$(EMCC_ENV) cmake --build $(BUILD_WASM) -j $(JOBS)

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
tests/web/node_modules/.package-lock.json: tests/web/package-lock.json
	cd tests/web && npm ci --no-audit --no-fund
web-deps: deps web/node_modules/.package-lock.json tests/web/node_modules/.package-lock.json

# The static page in web/dist, with a test subset cut from UNRAVEL_DATA (WEB_IMAGES=10000: all).
WEB_IMAGES ?= 1000
web: wasm web-deps native data
	$(WITH_DATA) node web/build.mjs --cli $(BUILD)/cli/unravel --wasm $(BUILD_WASM)/wasm --images $(WEB_IMAGES)

# The lab as one HTML file that opens from file://, offline (resnet20, plain20, resnet110 and the
# page's test images inside): web/dist-single/unravel.html.
single: web
	node web/build_single.mjs --dist web/dist --out web/dist-single/unravel.html

test-web: native web
	cmake -S . -B $(BUILD) -DUNRAVEL_WASM_DIR=$(abspath $(BUILD_WASM))/wasm -DUNRAVEL_WEB_DIST=$(abspath web/dist)
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && $(WITH_DATA) ctest -L web --output-on-failure
	cd $(BUILD_WASM) && ctest --output-on-failure

# Build everything (CLI, WebAssembly, page) and serve the lab on localhost (PORT=8000).
PORT ?= 8000
run: native web
	node web/serve.mjs web/dist --port $(PORT)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_WASM) $(BUILD_FUZZ)
