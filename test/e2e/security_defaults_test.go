package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// defaultCaps is containerd's default capability set, which kubelet's containers get: CHOWN,
// DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP,
// NET_BIND_SERVICE, SYS_CHROOT, KILL and AUDIT_WRITE.
const defaultCaps = "00000000a80425fb"

// securityDefaultsPods: a hostNetwork pod looking for containerd's, the shims' and the agent's
// sockets (CVE-2020-15257); an unprivileged container reporting its capabilities, seccomp mode and
// mounts; containers under an empty and an empty-object Localhost seccomp profile (CVE-2023-2431);
// and a container that, between two runs, leaves a private file in an fsGroup emptyDir whose root
// it took the group bits off, which the agent must not touch again.
const securityDefaultsPods = `apiVersion: v1
kind: Pod
metadata: {name: hostnet}
spec:
  hostNetwork: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: out, emptyDir: {}}]
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "cat /proc/net/unix > /out/unix; ls -A /run/containerd > /out/run 2>&1; echo $? >> /out/run; for s in %s; do test -e $s && echo $s; done > /out/reached; true"]
    volumeMounts: [{name: out, mountPath: /out}]
---
apiVersion: v1
kind: Pod
metadata: {name: defaults}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: out, emptyDir: {}}]
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "grep -E '^(Cap[A-Za-z]+|Seccomp|NoNewPrivs):' /proc/self/status > /out/status; cat /proc/self/mountinfo > /out/mountinfo; cat /proc/keys | wc -c > /out/keys; echo 1 2>/dev/null > /proc/sys/vm/overcommit_ratio; echo $? > /out/procsys"]
    volumeMounts: [{name: out, mountPath: /out}]
  - name: empty
    image: busybox:1.35
    command: ["true"]
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: empty.json}}
  - name: braces
    image: busybox:1.35
    command: ["true"]
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: braces.json}}
---
apiVersion: v1
kind: Pod
metadata: {name: fsgroup}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 1
  securityContext: {fsGroup: 2000}
  volumes: [{name: out, emptyDir: {}}]
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "test -e /out/private && exit 0; touch /out/private; chmod 600 /out/private; chmod 700 /out; exit 1"]
    volumeMounts: [{name: out, mountPath: /out}]
`

func TestSecurityHostNetworkAndDefaults(t *testing.T) {
	a := startAgent(t, withFlags("--container-restart-backoff", "1s"))
	profiles := filepath.Join(a.root, "seccomp")
	if err := os.MkdirAll(profiles, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"empty.json": "", "braces.json": "{}"} {
		if err := os.WriteFile(filepath.Join(profiles, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sockets := []string{"/run/containerd/containerd.sock", "/run/containerd/containerd.sock.ttrpc", "/run/containerd/s", a.socket}
	a.writeManifest("pods.yaml", fmt.Sprintf(securityDefaultsPods, strings.Join(sockets, " ")))
	finished := func(p *v1.Pod) bool { return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed }

	// hostNetwork: the host's network namespace, so its unix sockets are listed, yet none reachable.
	hostnet := a.waitPod("default", "hostnet", "completes", finished)
	if hostnet.Status.Phase != v1.PodSucceeded {
		t.Fatalf("hostnet: %s", describe(hostnet))
	}
	out := a.emptyDirPath(hostnet, "out")
	unix := readOut(t, out, "unix")
	if !strings.Contains(unix, "/run/containerd/containerd.sock") {
		t.Errorf("/proc/net/unix lacks containerd's socket: not the host's network namespace?\n%s", unix)
	}
	for _, line := range strings.Split(unix, "\n") {
		f := strings.Fields(line)
		if len(f) >= 8 && strings.HasPrefix(f[7], "@") && (strings.Contains(f[7], "containerd") || strings.Contains(f[7], "shim")) {
			t.Errorf("an abstract socket of containerd or a shim is in the host network namespace: %s", f[7])
		}
	}
	if run := readOut(t, out, "run"); !strings.HasSuffix(run, "1") {
		t.Errorf("ls /run/containerd in a hostNetwork pod: %q, want a failure", run)
	}
	if reached := readOut(t, out, "reached"); reached != "" {
		t.Errorf("a hostNetwork pod reaches %q", reached)
	}

	// Defaults of an unprivileged container.
	defaults := a.waitPod("default", "defaults", "ran main and refused the empty profiles", func(p *v1.Pod) bool {
		refused := 0
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && strings.HasPrefix(w.Reason, "CreateContainer") {
				refused++
			}
		}
		_, err := os.Stat(filepath.Join(a.emptyDirPath(p, "out"), "procsys"))
		return refused == 2 && err == nil
	})
	out = a.emptyDirPath(defaults, "out")
	status := readOut(t, out, "status")
	for _, want := range []string{"CapPrm:\t" + defaultCaps, "CapEff:\t" + defaultCaps, "CapBnd:\t" + defaultCaps,
		"CapInh:\t0000000000000000", "CapAmb:\t0000000000000000", "Seccomp:\t2"} {
		if !strings.Contains(status, want) {
			t.Errorf("/proc/self/status lacks %q:\n%s", want, status)
		}
	}
	if got := readOut(t, out, "keys"); got != "0" {
		t.Errorf("/proc/keys shows %s bytes, want masked (0)", got)
	}
	if got := readOut(t, out, "procsys"); got == "0" {
		t.Error("a write to /proc/sys succeeded")
	}
	// containerd's default masked and read-only paths, those this kernel has.
	mounts := readOut(t, out, "mountinfo")
	checked := 0
	for _, p := range []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		checked++
		if !mountedAt(mounts, p, func(mount) bool { return true }) {
			t.Errorf("%s is not masked", p)
		}
	}
	for _, p := range []string{"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		checked++
		if !mountedAt(mounts, p, func(m mount) bool { return m.readOnly }) {
			t.Errorf("%s is not a read-only mount", p)
		}
	}
	if checked < 6 {
		t.Errorf("only %d masked or read-only paths exist on this host to check", checked)
	}
	for _, cs := range defaults.Status.ContainerStatuses {
		if cs.Name == "main" {
			continue
		}
		w := cs.State.Waiting
		if w == nil || !strings.Contains(w.Message, cs.Name+".json") {
			t.Errorf("%s: %+v, want a refusal naming %s.json", cs.Name, cs.State, cs.Name)
		}
	}

	// fsGroup: the agent set the volume up again for the second run, and left its contents alone.
	fsgroup := a.waitPod("default", "fsgroup", "succeeds on its second run", func(p *v1.Pod) bool {
		return finished(p) || p.Status.ContainerStatuses[0].RestartCount > 1
	})
	if fsgroup.Status.Phase != v1.PodSucceeded || fsgroup.Status.ContainerStatuses[0].RestartCount != 1 {
		t.Errorf("fsgroup: %s", describe(fsgroup))
	}
	vol := a.emptyDirPath(fsgroup, "out")
	for path, want := range map[string]os.FileMode{vol: os.ModeDir | 0o700, filepath.Join(vol, "private"): 0o600} {
		if info, err := os.Lstat(path); err != nil || info.Mode() != want {
			t.Errorf("%s: %v %v, want %v as the container left it", path, info.Mode(), err, want)
		}
	}

	a.removeManifest("pods.yaml")
	for _, p := range []*v1.Pod{hostnet, defaults, fsgroup} {
		a.waitGone("default", p.Name)
	}
	a.assertNothingLeft(defaults.Status.PodIP, fsgroup.Status.PodIP)
}

// readOut reads a file a container wrote, trimmed.
func readOut(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Errorf("%s: %v", name, err)
	}
	return strings.TrimSpace(string(data))
}

// mount is one line of /proc/self/mountinfo, as far as the tests need it.
type mount struct{ readOnly bool }

// mountedAt tells whether mountinfo has a mount at path that ok accepts.
func mountedAt(mountinfo, path string, ok func(mount) bool) bool {
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[4] == path && ok(mount{readOnly: strings.Split(f[5], ",")[0] == "ro"}) {
			return true
		}
	}
	return false
}
