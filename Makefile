# Fresh-machine entry points (see README.md): `make run` builds and serves the lab,
# `make test` runs the whole test suite. Both install what is missing first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_WASM ?= build-wasm
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# Where CIFAR-10 is read from: UNRAVEL_DATA, else this workplace's shared copy if present.
export UNRAVEL_DATA ?= $(firstword $(wildcard ../shared/cifar10/cifar-10-binary.tar.gz))

APT_PACKAGES = cmake gcc make zlib1g-dev nodejs npm emscripten chromium
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps native asan wasm web test test-native test-asan run demo bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

native: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DUNRAVEL_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)

test-native: native
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

test: test-native test-asan

# Until the page exists: a CLI demo on a bundled model.
run: native
	$(BUILD)/cli/unravel info models/resnet20.safetensors
	$(BUILD)/cli/unravel sweep delete-one models/resnet20.safetensors --limit 1000

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_WASM)
