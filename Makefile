# Photon's two commands for a fresh Debian 12 machine (as root):
#   make demo   install dependencies, build, start a local cluster, show it, stop it
#   make test   install dependencies, build, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Every Debian package the build, the tests and the demo need.
DEB_PACKAGES := bazel-bootstrap bazel-rules-java g++ make pkg-config \
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev libabsl-dev \
  libboost-all-dev libhiredis-dev redis-server pybind11-dev libmsgpack-cxx-dev \
  libgtest-dev libgmock-dev libbenchmark-dev libjemalloc-dev python3-dev procps iproute2 \
  python3-numpy python3-cloudpickle python3-pytest python3-distributed \
  nlohmann-json3-dev libzip-dev liburiparser-dev python3-requests python3-aiohttp python3-yaml python3-prometheus-client \
  chromium fonts-dejavu-core python3-xgboost python3-torch python3-pandas python3-kubernetes \
  libyaml-cpp-dev libcurl4-openssl-dev openssl podman buildah debootstrap runc

BAZEL := bazel
BIN := build/bin
# Debian's interpreter: the one python3-numpy, python3-cloudpickle... serve.
PYTHON := /usr/bin/python3
PY_EXT := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))' 2>/dev/null)

.PHONY: deps build test demo bench clean image

# Idempotent: apt-get only runs when something is missing.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "All Debian packages present."; fi

build:
	$(BAZEL) build //...
	@mkdir -p $(BIN)
	@install -m 0755 bazel-bin/cli/photon bazel-bin/gcs/photon-gcs bazel-bin/raylet/photon-raylet \
	  bazel-bin/dashboard/photon-dashboard bazel-bin/dashboard/photon-job-supervisor \
	  bazel-bin/autoscaler/photon-autoscaler bazel-bin/autoscaler/kubernetes_provider_tool \
	  bazel-bin/bench/gcs_bench bazel-bin/bench/object_store_bench bazel-bin/bench/spill_bench \
	  bazel-bin/bench/scheduler_bench bazel-bin/bench/autoscaler_bench bazel-bin/bench/microbenchmark bazel-bin/examples/cpp/quickstart $(BIN)/
	@echo "Binaries in $(BIN)/"
	@install -m 0755 bazel-bin/python/photon/_core/_core.so python/photon/_core$(PY_EXT)
	@# The photon package for $(PYTHON) (a .pth naming python/), and `photon` on PATH.
	@site=$$($(PYTHON) -c 'import site; print([p for p in site.getsitepackages() if p.startswith("/usr/local")][0])'); \
	  mkdir -p $$site && echo "$(CURDIR)/python" > $$site/photon.pth; \
	  ln -sf $(CURDIR)/$(BIN)/photon /usr/local/bin/photon; \
	  echo "Python package: $(CURDIR)/python (via $$site/photon.pth); photon -> /usr/local/bin/photon"

# Runs every test: bazel's, then the Python suite (tests/python) with $(PYTHON); the last line
# counts bazel test targets and gives pytest's summary. pytest's exit code 5 (nothing collected) fails.
test: deps build
	@mkdir -p build
	@set -o pipefail; $(BAZEL) test //... 2>&1 | tee build/test.log; rc=$$?; \
	passed=$$(grep -cE '^//.* PASSED' build/test.log); \
	failed=$$(grep -cE '^//.* (FAILED|TIMEOUT|NO STATUS|FAILED TO BUILD)' build/test.log); \
	echo "bazel: $$passed passed, $$failed failed"; \
	$(PYTHON) -m pytest -q tests/python 2>&1 | tee build/pytest.log; pyrc=$${PIPESTATUS[0]}; \
	if [ $$pyrc -eq 5 ]; then echo "pytest: no tests collected"; fi; \
	echo "bazel: $$passed passed, $$failed failed; pytest: $$(tail -n 1 build/pytest.log | tr -d '=' | sed 's/^ *//')"; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; exit $$pyrc

# Starts a local cluster (GCS on 6379, or 16379 when 6379 is taken, e.g. by
# Redis; dashboard on 8265, or 18265), runs the Python and C++ quick-start jobs
# on it, submits the Python one again as a job through the dashboard's HTTP
# API (`photon job submit` follows its logs), prints the status and stops it.
demo: deps build
	@port=6379; if (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
	  port=16379; echo "Port 6379 is taken (Redis?); the demo uses $$port."; fi; \
	dport=8265; if (exec 3<>/dev/tcp/127.0.0.1/8265) 2>/dev/null; then \
	  dport=18265; echo "Port 8265 is taken; the demo's dashboard uses $$dport."; fi; \
	$(BIN)/photon start --head --port=$$port --dashboard-port=$$dport \
	  && PHOTON_ADDRESS=auto PHOTON_LOG_LEVEL=warning $(PYTHON) examples/quickstart.py \
	  && PHOTON_ADDRESS=auto PHOTON_LOG_LEVEL=warning $(BIN)/quickstart \
	  && $(BIN)/photon job submit --address http://127.0.0.1:$$dport --working-dir examples \
	       -- $(PYTHON) quickstart.py \
	  && $(BIN)/photon job list --address http://127.0.0.1:$$dport \
	  && $(BIN)/photon status; rc=$$?; \
	$(BIN)/photon stop; exit $$rc

bench: build
	$(BIN)/gcs_bench
	PHOTON_LOG_LEVEL=warning $(BIN)/object_store_bench
	$(BIN)/spill_bench
	$(BIN)/scheduler_bench
	$(BIN)/autoscaler_bench
	PHOTON_LOG_LEVEL=warning $(BIN)/microbenchmark

# The head/worker image (deploy/docker/Dockerfile) from this checkout's build,
# with docker where there is one, else Debian's buildah (base image made by
# debootstrap when docker.io/library/debian:bookworm-slim is not there yet).
IMAGE ?= localhost/photon:latest
image: build
	@if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then docker build -f deploy/docker/Dockerfile -t $(IMAGE) .; \
	else \
	  if [ ! -f /etc/containers/containers.conf ]; then mkdir -p /etc/containers; \
	    printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\ncgroup_manager = "cgroupfs"\n' \
	      > /etc/containers/containers.conf; fi; \
	  if ! podman image exists docker.io/library/debian:bookworm-slim; then \
	    mirror=$$(awk '/^URIs:/{print $$2; exit}' /etc/apt/sources.list.d/debian.sources); \
	    rm -rf build/rootfs && debootstrap --variant=minbase bookworm build/rootfs $$mirror \
	    && tar -C build/rootfs -c . | podman import - docker.io/library/debian:bookworm-slim && rm -rf build/rootfs; \
	  fi; \
	  buildah bud --isolation chroot -f deploy/docker/Dockerfile -t $(IMAGE) .; \
	fi
	@echo "Image $(IMAGE):"; (podman images $(IMAGE) 2>/dev/null || docker images $(IMAGE)) | tail -n +1

clean:
	rm -rf build
	$(BAZEL) clean
