#!/usr/bin/env bash
# Runs the integration tests, or a root shell, in a throwaway QEMU VM so the host is never touched.
#
#   scripts/vm/run.sh test [PACKAGE...]   build the test binaries, boot, run them, power off; exit
#                                         with the tests' status (default: every package whose
#                                         tests need root)
#   scripts/vm/run.sh shell               boot to an interactive root shell (Ctrl-A X quits QEMU)
#
# Environment: VM_ACCEL (kvm or tcg; default: kvm where the CPU offers it), VM_MEM (MiB, 3072),
# VM_CPUS (default: the host's), VM_TEST_FLAGS (passed to every test binary, e.g. "-test.run X"),
# VM_TIMEOUT (minutes each test binary may run, before scaling; 40).
set -euo pipefail
# The whole script is one block, read before any of it runs: editing this file while a run
# goes on cannot change that run.
{
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
export PATH=/usr/local/go/bin:$PATH

mode=${1:-test}
shift || true
[[ $mode == test || $mode == shell ]] || { echo "usage: $0 test [PACKAGE...] | shell" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 is missing (scripts/setup-host.sh --vm installs it)" >&2; exit 1; }

image=$(scripts/vm/image.sh _output/vm)

# KVM where the CPU has hardware virtualisation and /dev/kvm is usable; else software emulation,
# about ten times slower, so every test's waits are stretched by ten.
accel=${VM_ACCEL:-}
if [[ -z $accel ]]; then
	accel=tcg
	if grep -qwE 'vmx|svm' /proc/cpuinfo && [[ -w /dev/kvm ]]; then
		accel=kvm
	fi
fi
case $accel in
kvm) accel_args=(-accel kvm -cpu host); scale=1 ;;
tcg) accel_args=(-accel tcg,thread=multi -cpu max); scale=10 ;;
*) echo "run.sh: VM_ACCEL must be kvm or tcg, not $accel" >&2; exit 2 ;;
esac
echo "run.sh: $accel ($( [[ $accel == kvm ]] && echo hardware virtualisation || echo software emulation, tests get ${scale}x time))" >&2

share=$(mktemp -d "$repo/_output/vm/run.XXXXXX")
trap 'rm -rf "$share"' EXIT
mkdir -p "$share/bin" "$share/tests" "$share/src" "$share/out"

# The helper programs the tests would otherwise compile (the VM has no compilers), and the agent.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$share/bin/minikubelet" ./cmd/minikubelet
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$share/bin/minikubelet-logger" ./cmd/minikubelet-logger
CGO_ENABLED=0 go build -trimpath -o "$share/bin/grpchealth" ./test/images/grpchealth
CGO_ENABLED=0 go build -trimpath -o "$share/bin/cnifault" ./test/cnifault
gcc -static -Os -s -o "$share/bin/pause" sandbox/pause/pause.c
gcc -static -Os -s -o "$share/bin/zombify" sandbox/pause/testdata/zombify.c
# The sources, for the tests' testdata and relative paths; the tests run from their package's
# directory as go test runs them.
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$share/src"

if [[ $mode == shell ]]; then
	# The examples' busybox image, so `make run`'s command works inside.
	go run ./test/images/build -o "$share/bin/images" >/dev/null
fi
if [[ $mode == test ]]; then
	if (($# == 0)); then
		# The packages whose tests need root: they are gated on MINIKUBELET_E2E. Not test/vm, the
		# harness's own test, which would boot a VM inside the VM.
		mapfile -t pkgs < <(go list -f '{{.Dir}}' ./... | grep -v '/test/vm$' | while read -r d; do
			grep -lqsE 'MINIKUBELET_E2E|containerdtest|hosttest\.' "$d"/*_test.go && echo "./${d#"$repo"/}"
		done)
	else
		pkgs=("$@")
	fi
	for p in "${pkgs[@]}"; do
		name=$(echo "${p#./}" | tr / _)
		CGO_ENABLED=0 go test -c -o "$share/tests/$name.test" "$p"
		[[ -f $share/tests/$name.test ]] || { echo "run.sh: $p has no tests" >&2; exit 1; }
		echo "${p#./} $name" >>"$share/tests/list"
	done
	echo "run.sh: ${#pkgs[@]} test packages: ${pkgs[*]}" >&2
fi

cat >"$share/guest.sh" <<GUEST
#!/bin/sh
# Written by scripts/vm/run.sh for one run; executed by the image's /sbin/mkl-init.
mode=$mode
scale=$scale
timeout=\$(( ${VM_TIMEOUT:-40} * scale ))m
flags="${VM_TEST_FLAGS:-}"
GUEST
cat >>"$share/guest.sh" <<'GUEST'
mkdir -p /opt/mkl
cp -r /mnt/vm/bin /mnt/vm/src /opt/mkl/
[ -d /mnt/vm/tests ] && cp -r /mnt/vm/tests /opt/mkl/
export PATH=/opt/mkl/bin:$PATH
containerd >/var/log/containerd.log 2>&1 &
i=0
until ctr version >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 600 ]; then echo "guest: containerd did not answer"; cat /var/log/containerd.log; echo 1 >/mnt/vm/out/status; exit; fi
	sleep 0.1
done
echo "guest: $(uname -r), containerd up after $(cut -d' ' -f1 /proc/uptime) s of uptime"
if [ "$mode" = shell ]; then
	echo "guest: root shell in /opt/mkl/src; the agent, pause and images are in /opt/mkl/bin; exit powers off. Try:"
	echo "  minikubelet run --pod-manifest-path examples --images-dir /opt/mkl/bin/images --pause-binary /opt/mkl/bin/pause"
	cd /opt/mkl/src
	setsid -c /bin/bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
	exit
fi
status=0
while read -r pkg name; do
	echo "=== package $pkg"
	cd "/opt/mkl/src/$pkg"
	start=$(cut -d' ' -f1 /proc/uptime)
	{ MINIKUBELET_E2E=1 MINIKUBELET_TEST_BIN=/opt/mkl/bin MINIKUBELET_TEST_TIME_SCALE=$scale \
		"/opt/mkl/tests/$name.test" -test.v -test.count=1 -test.timeout="$timeout" $flags 2>&1
		echo $? >"/tmp/$name.rc"; } | tee "/mnt/vm/out/$name.log"
	rc=$(cat "/tmp/$name.rc")
	end=$(cut -d' ' -f1 /proc/uptime)
	echo "=== package $pkg: exit $rc after $(echo "$start $end" | awk '{printf "%.0f", $2 - $1}') s"
	[ "$rc" = 0 ] || status=1
done </opt/mkl/tests/list
echo $status >/mnt/vm/out/status
GUEST
chmod +x "$share/guest.sh"

kernel=$image/vmlinuz
[[ -f $image/vmlinux ]] && kernel=$image/vmlinux # uncompressed, with a PVH entry: boots faster
qemu=(qemu-system-x86_64 "${accel_args[@]}"
	-m "${VM_MEM:-3072}" -smp "${VM_CPUS:-$(nproc)}"
	-kernel "$kernel" -initrd "$image/initrd"
	-append "console=ttyS0 panic=-1 quiet loglevel=3 mitigations=off"
	# Read-only image, writes to a throwaway overlay QEMU deletes on exit: every run starts clean.
	-drive "file=$image/rootfs.img,format=raw,if=virtio,snapshot=on"
	-virtfs "local,path=$share,mount_tag=mkl,security_model=none,id=mkl"
	-nic none -display none -no-reboot)

start=$SECONDS
if [[ $mode == shell ]]; then
	"${qemu[@]}" -serial mon:stdio
	exit 0
fi
"${qemu[@]}" -serial stdio -monitor none </dev/null
if [[ ! -f $share/out/status ]]; then
	echo "run.sh: the VM stopped without a test status after $((SECONDS - start)) s" >&2
	exit 1
fi
status=$(cat "$share/out/status")
echo "run.sh: tests in the VM $( [[ $status == 0 ]] && echo passed || echo FAILED ) in $((SECONDS - start)) s (boot included)" >&2
exit "$status"
}
