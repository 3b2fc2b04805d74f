#!/usr/bin/env bash
# Makes a Debian 12 host ready to run minikubelet and its tests: installs what is missing from
# Debian's packages and starts containerd if nothing answers on its socket. Idempotent.
#
#   scripts/setup-host.sh        the agent and its tests on this host
#   scripts/setup-host.sh --vm   only what the throwaway test VM needs (make test-vm, make vm-shell):
#                                QEMU, debootstrap and the compilers; nothing is started
set -euo pipefail

SOCK=/run/containerd/containerd.sock
PKGS=(containerd runc containernetworking-plugins iptables busybox-static gcc libc6-dev ca-certificates iproute2 procps)
VM_PKGS=(qemu-system-x86 debootstrap cpio e2fsprogs gcc libc6-dev git)
vm=false
case "${1:-}" in
--vm) vm=true; PKGS=("${VM_PKGS[@]}") ;;
"") ;;
*) echo "usage: $0 [--vm]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-host.sh: run as root (sudo make ...)" >&2
	exit 1
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "installing: ${missing[*]}"
	apt-get update -qq || echo "apt-get update failed; trying the install anyway" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

export PATH=/usr/local/go/bin:$PATH
if ! command -v go >/dev/null; then
	echo "setup-host.sh: Go is not installed; minikubelet needs Go 1.26 (https://go.dev/dl/, unpacked in /usr/local/go)" >&2
	exit 1
fi
if $vm; then
	echo "ready for the test VM: $(qemu-system-x86_64 --version | head -1)"
	exit 0
fi

answers() { timeout 3 ctr --address "$SOCK" version >/dev/null 2>&1; }
if ! answers; then
	if [ -d /run/systemd/system ]; then
		systemctl start containerd
	else
		echo "starting containerd (no systemd here)"
		mkdir -p /var/log
		setsid containerd >>/var/log/containerd.log 2>&1 < /dev/null &
	fi
	for _ in $(seq 1 100); do
		answers && break
		sleep 0.2
	done
	answers || { echo "containerd did not come up; see /var/log/containerd.log" >&2; exit 1; }
fi
echo "host ready: $(containerd --version | cut -d' ' -f3), runc $(runc --version | head -1 | cut -d' ' -f3), CNI plugins in /usr/lib/cni"
