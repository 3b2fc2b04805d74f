# minikubelet. `make run` and `make test` set up a fresh Debian 12 host themselves (as root).
export PATH := /usr/local/go/bin:$(PATH)
GO      ?= go
ROOT    ?= /var/lib/minikubelet
IMAGES  := _output/images
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build images setup setup-vm run unit test reliability fuzz fuzz-short test-vm vm-shell bench bench-peers clean install uninstall

all: build

## build: bin/minikubelet, and beside it the sandbox's pause program and the container log driver
build: bin/minikubelet bin/pause bin/minikubelet-logger

# Static, without symbol tables: about a third less resident memory than a default build.
bin/minikubelet: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $@ ./cmd/minikubelet

# One runs beside every container, so it is its own small program (the logs package only).
bin/minikubelet-logger: FORCE
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w" -o $@ ./cmd/minikubelet-logger

bin/pause: sandbox/pause/pause.c
	@mkdir -p bin
	gcc -static -Os -s -o $@ $<

## images: the busybox image archive the examples use, built offline from Debian's busybox-static
images: $(IMAGES)/busybox.tar

$(IMAGES)/busybox.tar: /bin/busybox $(wildcard ociimage/*.go test/images/*.go test/images/build/*.go)
	$(GO) run ./test/images/build -o $(IMAGES)

## setup: install what is missing (containerd, runc, CNI plugins, iptables, busybox-static, gcc) and start containerd
setup:
	scripts/setup-host.sh

## setup-vm: install what the throwaway test VM needs (QEMU, debootstrap); touches nothing else
setup-vm:
	scripts/setup-host.sh --vm

## run: set up, build, and run the agent on examples/ (Ctrl-C stops the agent; pods keep running)
# --insecure-manifests: examples/ belongs to whoever cloned the repository (often not root, as
# `sudo make run` finds it), and the agent refuses manifests a user other than root owns.
run: setup build images
	bin/minikubelet run --pod-manifest-path examples --images-dir $(IMAGES) --root-dir $(ROOT) --insecure-manifests

## install: the binary, pause, the systemd unit (deploy/minikubelet.service), config and directories
install: build
	bin/minikubelet install --pause-binary bin/pause

## uninstall: remove them; the config, manifests, state and pod logs stay (minikubelet uninstall --purge)
uninstall:
	bin/minikubelet uninstall

## unit: the unit tests, no root needed
unit:
	$(GO) test -count=1 ./...

## test: set up, then the unit and integration tests (as root, on the real containerd)
test: setup setup-vm
	MINIKUBELET_E2E=1 $(GO) test -count=1 -timeout 40m ./...
	scripts/fuzz.sh $(FUZZ_SHORT)

## reliability: the fault, churn and crash tests at the counts docs/reliability.md reports (as root; long)
reliability: setup
	MINIKUBELET_E2E=1 MINIKUBELET_TEST_FULL=1 $(GO) test -count=1 -timeout 180m -run 'Reliability|Crash|Churn|Fault|Stress|Leak' ./test/e2e/...

## fuzz: every fuzz target for FUZZ_EXECS executions each (default 10^6); CI runs each briefly
FUZZ_EXECS ?= 1000000
fuzz:
	scripts/fuzz.sh $(FUZZ_EXECS)

## fuzz-short: every fuzz target for FUZZ_SHORT each, as make test does (8 targets: 141 s on a busy host)
FUZZ_SHORT ?= 8s
fuzz-short:
	scripts/fuzz.sh $(FUZZ_SHORT)

## test-vm: the integration tests inside a throwaway QEMU VM, so this host is never touched (as root;
## the Debian image is built once, about a minute, and cached in _output/vm)
test-vm: setup-vm
	scripts/vm/run.sh test

## vm-shell: boot the same VM to a root shell, with the agent and the sources in /opt/mkl
vm-shell: setup-vm
	scripts/vm/run.sh shell

## bench: pod start latency, density and footprint against the floor and podman (as root; ~10 min)
bench: setup build images
	$(GO) run ./test/bench -out bench/results.json

## bench-peers: install podman for the benchmark's peer row
bench-peers:
	dpkg-query -W podman catatonit >/dev/null 2>&1 || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman catatonit

clean:
	rm -rf bin _output

FORCE:
