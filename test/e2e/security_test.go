package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	v1 "k8s.io/api/core/v1"
)

// securityPod's containers each check one securityContext setting and write what they saw into
// the emptyDir "out", which the test reads on the host (no exec, no logs).
const securityPod = `apiVersion: v1
kind: Pod
metadata: {name: secure}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  securityContext:
    fsGroup: 2000
    supplementalGroups: [4000]
    sysctls: [{name: net.ipv4.ip_unprivileged_port_start, value: "0"}]
  volumes: [{name: out, emptyDir: {}}]
  containers:
  - name: user
    image: busybox:1.35
    command: ["sh", "-c", "id > /out/id; touch /out/owned"]
    securityContext: {runAsUser: 1000, runAsGroup: 3000}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: readonly
    image: busybox:1.35
    command: ["sh", "-c", "touch /rootfs-write; echo $? > /out/readonly"]
    securityContext: {readOnlyRootFilesystem: true}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: noraw
    image: busybox:1.35
    command: ["sh", "-c", "ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; echo $? > /out/noraw"]
    securityContext: {capabilities: {drop: [NET_RAW]}}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: raw
    image: busybox:1.35
    command: ["sh", "-c", "ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1; echo $? > /out/raw"]
    volumeMounts: [{name: out, mountPath: /out}]
  - name: status
    image: busybox:1.35
    command: ["sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status > /out/status; cat /proc/sys/net/ipv4/ip_unprivileged_port_start > /out/sysctl"]
    securityContext: {allowPrivilegeEscalation: false}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: unconfined
    image: busybox:1.35
    command: ["sh", "-c", "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status > /out/unconfined"]
    securityContext: {allowPrivilegeEscalation: true, seccompProfile: {type: Unconfined}}
    volumeMounts: [{name: out, mountPath: /out}]
  - name: privileged
    image: busybox:1.35
    command: ["sh", "-c", "grep -E '^(CapBnd|Seccomp):' /proc/self/status > /out/privileged; ls /dev > /out/devices"]
    securityContext: {privileged: true}
    volumeMounts: [{name: out, mountPath: /out}]
`

// securityContext settings seen from inside the container: runAsUser and groups by `id`, a
// read-only root refusing a write, a dropped NET_RAW refusing ping, no_new_privs and seccomp in
// /proc/self/status, the pod's sysctl in its network namespace, fsGroup owning the emptyDir.
func TestSecurityContext(t *testing.T) {
	a := startAgent(t)
	a.writeManifest("secure.yaml", securityPod)
	pod := a.waitPod("default", "secure", "completes", func(p *v1.Pod) bool {
		return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
	})
	if pod.Status.Phase != v1.PodSucceeded {
		t.Fatalf("pod did not succeed: %s", describe(pod))
	}
	out := a.emptyDirPath(pod, "out")
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		t.Logf("%s: %q", name, data)
		return strings.TrimSpace(string(data))
	}
	id := read("id")
	for _, want := range []string{"uid=1000", "gid=3000", "2000", "4000"} {
		if !strings.Contains(id, want) {
			t.Errorf("id = %q, lacks %q", id, want)
		}
	}
	if got := read("readonly"); got == "0" {
		t.Error("a write to the read-only root file system succeeded")
	}
	if got := read("noraw"); got == "0" {
		t.Error("ping worked without CAP_NET_RAW")
	}
	if got := read("raw"); got != "0" {
		t.Errorf("ping with the default capabilities exited %s", got)
	}
	if got := read("status"); !strings.Contains(got, "NoNewPrivs:\t1") || !strings.Contains(got, "Seccomp:\t2") {
		t.Errorf("allowPrivilegeEscalation false, RuntimeDefault seccomp: %q", got)
	}
	if got := read("sysctl"); got != "0" {
		t.Errorf("net.ipv4.ip_unprivileged_port_start = %q, want the pod's 0", got)
	}
	if got := read("unconfined"); !strings.Contains(got, "NoNewPrivs:\t0") || !strings.Contains(got, "Seccomp:\t0") {
		t.Errorf("allowPrivilegeEscalation true, Unconfined: %q", got)
	}
	if got := read("privileged"); !strings.Contains(got, "Seccomp:\t0") || strings.Contains(got, "CapBnd:\t00000000a80425fb") {
		t.Errorf("privileged: %q", got)
	}
	// fsGroup: the volume and what the containers write there belong to group 2000.
	for _, path := range []string{out, filepath.Join(out, "owned")} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if gid := info.Sys().(*syscall.Stat_t).Gid; gid != 2000 {
			t.Errorf("%s: group %d, want fsGroup 2000", path, gid)
		}
	}
	if info, _ := os.Stat(out); info.Mode()&os.ModeSetgid == 0 {
		t.Errorf("emptyDir mode %v lacks setgid", info.Mode())
	}
	a.removeManifest("secure.yaml")
	a.waitGone("default", "secure")
	a.assertNothingLeft(pod.Status.PodIP)
}

// runAsNonRoot refuses an image that would run as root, and a missing Localhost seccomp profile
// is an error rather than no filter: both keep the container waiting with
// CreateContainerConfigError. A Localhost profile that exists filters as it says.
func TestSecurityRefusals(t *testing.T) {
	a := startAgent(t)
	profiles := filepath.Join(a.root, "seccomp")
	if err := os.MkdirAll(profiles, 0o755); err != nil {
		t.Fatal(err)
	}
	deny := `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}`
	if err := os.WriteFile(filepath.Join(profiles, "deny-mkdir.json"), []byte(deny), 0o644); err != nil {
		t.Fatal(err)
	}
	a.writeManifest("nonroot.yaml", `apiVersion: v1
kind: Pod
metadata: {name: nonroot}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsNonRoot: true}
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]}
`)
	a.writeManifest("seccomp.yaml", `apiVersion: v1
kind: Pod
metadata: {name: seccomp}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: out, emptyDir: {}}]
  containers:
  - name: missing
    image: busybox:1.35
    command: ["true"]
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: nope.json}}
  - name: deny
    image: busybox:1.35
    command: ["sh", "-c", "mkdir /tmp/x; echo $? > /out/mkdir"]
    securityContext: {seccompProfile: {type: Localhost, localhostProfile: deny-mkdir.json}}
    volumeMounts: [{name: out, mountPath: /out}]
`)
	waiting := func(p *v1.Pod, name string) *v1.ContainerStateWaiting {
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == name {
				return cs.State.Waiting
			}
		}
		return nil
	}
	nonroot := a.waitPod("default", "nonroot", "is refused", func(p *v1.Pod) bool {
		w := waiting(p, "main")
		return w != nil && w.Reason == "CreateContainerConfigError"
	})
	if w := waiting(nonroot, "main"); !strings.Contains(w.Message, "container has runAsNonRoot and image will run as root") {
		t.Errorf("waiting message %q", w.Message)
	}
	sc := a.waitPod("default", "seccomp", "refuses the missing profile and runs the other", func(p *v1.Pod) bool {
		w := waiting(p, "missing")
		_, err := os.Stat(filepath.Join(a.emptyDirPath(p, "out"), "mkdir"))
		return w != nil && w.Reason == "CreateContainerConfigError" && err == nil
	})
	if w := waiting(sc, "missing"); !strings.Contains(w.Message, "nope.json") {
		t.Errorf("waiting message %q does not name the profile", w.Message)
	}
	data, _ := os.ReadFile(filepath.Join(a.emptyDirPath(sc, "out"), "mkdir"))
	if strings.TrimSpace(string(data)) == "0" {
		t.Error("mkdir worked under a profile that denies it")
	}
	a.removeManifest("nonroot.yaml")
	a.removeManifest("seccomp.yaml")
	a.waitGone("default", "nonroot")
	a.waitGone("default", "seccomp")
	a.assertNothingLeft(nonroot.Status.PodIP, sc.Status.PodIP)
}
