package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// seedPod has the seed pod's shape: two init containers in order, two web servers on two
// hostPorts sharing an emptyDir. The server's exec readiness probe runs once a second, so every
// cycle also makes and removes exec processes and their FIFOs. Both servers stop on SIGTERM.
func seedPod(name string, serverPort, sidecarPort int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: churn, labels: {app: churn}}
spec:
  terminationGracePeriodSeconds: 2
  initContainers:
  - name: init-a
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www/server /www/sidecar; echo server > /www/server/index.html"]
    volumeMounts: [{name: www, mountPath: /www}]
  - name: init-b
    image: busybox:1.35
    command: ["sh", "-c", "test -f /www/server/index.html && echo sidecar > /www/sidecar/index.html"]
    volumeMounts: [{name: www, mountPath: /www}]
  containers:
  - name: server
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 6379 -h /www/server & wait"]
    ports: [{containerPort: 6379, hostPort: %d}]
    readinessProbe: {exec: {command: ["cat", "/www/server/index.html"]}, periodSeconds: 1}
    volumeMounts: [{name: www, mountPath: /www}]
  - name: sidecar
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /www/sidecar & wait"]
    ports: [{containerPort: 8080, hostPort: %d}]
    volumeMounts: [{name: www, mountPath: /www}]
  volumes:
  - name: www
    emptyDir: {}
`, name, serverPort, sidecarPort)
}

// quickPod is a pod that starts and stops at once: an init container, then a shell that exits on
// SIGTERM.
func quickPod(namespace, name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: busybox:1.35, command: ["true"]}
  containers:
  - {name: main, image: busybox:1.35, command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]}
`, name, namespace)
}

// finishingPod runs to completion at once, Succeeded or Failed by its exit code, and is not
// restarted.
func finishingPod(namespace, name string, exit int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:1.35, command: ["sh", "-c", "exit %d"]}
`, name, namespace, exit)
}

// 300 create/delete cycles of the seed-shaped pod leave the agent and the host as they were:
// the census (netns, veths, iptables rules, IPAM files, containerd objects, mounts, shims,
// cgroups, files, the agent's fds, FIFOs and goroutines) is the same before and after.
func TestChurnSeedPodCycles(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	serverPort, sidecarPort := hosttest.FreePort(t), hosttest.FreePort(t)
	manifest := seedPod("seed", serverPort, sidecarPort)
	var ips []string
	cycle := func() {
		t.Helper()
		a.writeManifest("seed.yaml", manifest)
		pod := a.waitRunning("churn", "seed")
		if ip := net.ParseIP(pod.Status.PodIP); ip == nil || !a.cidr.Contains(ip) {
			t.Errorf("cycle %d: the pod is Running and Ready with pod IP %q, not one of %s: %s",
				len(ips)+1, pod.Status.PodIP, a.cidr, describe(pod))
		} else {
			ips = append(ips, pod.Status.PodIP)
		}
		a.removeManifest("seed.yaml")
		a.waitGone("churn", "seed")
	}
	// A first pod makes what the agent keeps for all pods (CNI's shared chains, the IPAM
	// allocator's state, the unpacked image); the count starts after it.
	a.writeManifest("seed.yaml", manifest)
	a.waitRunning("churn", "seed")
	// An exec session that its client drops midway: its FIFOs are the agent's while it runs,
	// and none may be left once it is cut (containerd's TestShimDoesNotLeakPipes).
	session := exec.Command(built.agent, "exec", "--socket="+a.socket, "-n", "churn", "seed", "-c", "server", "--", "sleep", "600")
	if err := session.Start(); err != nil {
		t.Fatal(err)
	}
	fifos := func() []string { return a.fifos(lines(a.ctr("containers", "ls", "-q")), a.agentFDs()) }
	a.eventually("the exec session's FIFOs are in the census", func() (bool, string) {
		f := fifos()
		return len(f) > 0, fmt.Sprint(f)
	})
	running := a.census()
	_ = session.Process.Kill()
	_ = session.Wait()
	a.eventually("the cut exec session's FIFOs are removed", func() (bool, string) {
		f := fifos()
		return len(f) == 0, fmt.Sprint(f)
	})
	if got := a.httpGet(fmt.Sprintf("http://127.0.0.1:%d/index.html", sidecarPort)); got != "sidecar\n" {
		t.Fatalf("the sidecar's hostPort answers %q", got)
	}
	a.removeManifest("seed.yaml")
	a.waitGone("churn", "seed")
	before := a.settledCensus()
	// The census sees a pod's things: else equal counts would prove nothing.
	for _, kind := range []string{"netns", "veths", "iptables rules", "containers", "tasks", "mounts",
		"shims", "cgroups", "pod directories", "sandbox directories", "log files", "FIFOs"} {
		if len(running[kind]) <= len(before[kind]) {
			t.Errorf("the census counts %d %s with the pod running, %d without", len(running[kind]), kind, len(before[kind]))
		}
	}
	t.Logf("census with the pod running and an exec session open: %s", running.counts())

	n := testenv.Count(5, 300)
	start := time.Now()
	for range n {
		cycle()
	}
	elapsed := time.Since(start)
	a.assertCensusReturns(before)
	distinct := slices.Clone(ips)
	slices.Sort(distinct)
	t.Logf("%d create/delete cycles of the seed pod in %s (%.2f s a cycle), %d distinct pod IPs",
		n, elapsed.Round(time.Millisecond), elapsed.Seconds()/float64(n), len(slices.Compact(distinct)))
	a.assertNothingLeft(ips...)
}

// failedStart is a pod that cannot start, and how to tell it has got as far as it will.
type failedStart struct {
	kind     string
	manifest func(name string) string
	stuck    func(*v1.Pod) bool
}

func failedStarts() []failedStart {
	waiting := func(reasons ...string) func(*v1.Pod) bool {
		return func(p *v1.Pod) bool {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.State.Waiting != nil && slices.Contains(reasons, cs.State.Waiting.Reason) {
					return true
				}
			}
			return false
		}
	}
	pod := func(name, image, policy, command string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: failing}
spec:
  terminationGracePeriodSeconds: 1
  restartPolicy: Never
  containers:
  - {name: main, image: %q, imagePullPolicy: %s, command: [%q]}
`, name, image, policy, command)
	}
	return []failedStart{
		{
			kind:     "missing command",
			manifest: func(name string) string { return pod(name, "busybox:1.35", "IfNotPresent", "/no/such/command") },
			stuck:    func(p *v1.Pod) bool { return p.Status.Phase == v1.PodFailed },
		},
		{
			kind:     "missing image, never pulled",
			manifest: func(name string) string { return pod(name, "minikubelet.test/missing:1", "Never", "true") },
			stuck:    waiting("ErrImageNeverPull"),
		},
		{
			// Nothing listens on port 1: the pull fails at once, after it has begun.
			kind:     "missing image, pull fails",
			manifest: func(name string) string { return pod(name, "127.0.0.1:1/missing:1", "Always", "true") },
			stuck:    waiting("ErrImagePull", "ImagePullBackOff"),
		},
	}
}

// 100 pods that fail to start (a missing command, a missing image, a failed pull) leave no FIFO,
// log file, snapshot or anything else of the census behind once removed.
func TestLeakFailedStarts(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	kinds := failedStarts()
	// batch starts the failed pods first..first+size-1 at once, waits until each has failed as its
	// kind does, and removes them.
	batch := func(first, size int) {
		t.Helper()
		for i := first; i < first+size; i++ {
			k := kinds[i%len(kinds)]
			a.writeManifest(fmt.Sprintf("f%d.yaml", i), k.manifest(fmt.Sprintf("f%d", i)))
		}
		for i := first; i < first+size; i++ {
			k := kinds[i%len(kinds)]
			p := a.waitPod("failing", fmt.Sprintf("f%d", i), "fails: "+k.kind, k.stuck)
			if p.Status.Phase == v1.PodRunning || condition(p, v1.PodReady) {
				t.Errorf("f%d (%s) runs: %s", i, k.kind, describe(p))
			}
		}
		for i := first; i < first+size; i++ {
			a.removeManifest(fmt.Sprintf("f%d.yaml", i))
		}
		for i := first; i < first+size; i++ {
			a.waitGone("failing", fmt.Sprintf("f%d", i))
		}
	}
	batch(0, len(kinds)) // one of each first, for what the agent keeps for all pods
	before := a.settledCensus()

	n := testenv.Count(15, 100)
	const perBatch = 10
	start := time.Now()
	for first := len(kinds); first < len(kinds)+n; first += perBatch {
		batch(first, min(perBatch, len(kinds)+n-first))
	}
	elapsed := time.Since(start)
	a.assertCensusReturns(before)
	t.Logf("%d failed starts (%d kinds, %d at a time) in %s", n, len(kinds), perBatch, elapsed.Round(time.Millisecond))
}

// Pods removed 0-2 s after they were added, by 3 workers at once, some still starting, some
// running, some finished: every update on /pods keeps the phase invariants, every pod goes, and
// nothing is left.
func TestChurnFastDeletes(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	before := a.baselineCensus("fast")
	watch := a.watchPods()

	const workers = 3
	perWorker := testenv.Count(5, 15)
	seed := time.Now().UnixNano()
	t.Logf("random seed %d", seed)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Add(1)
		go func(rng *rand.Rand) {
			defer wg.Done()
			for i := range perWorker {
				name := fmt.Sprintf("fast-%d-%d", w, i)
				// One pod in three runs to completion, so that deletes also meet finished pods.
				manifest := quickPod("fast", name)
				if i%3 == 2 {
					manifest = finishingPod("fast", name, i%2)
				}
				if err := writeFileAtomic(a.manifests, name+".yaml", manifest); err != nil {
					errs <- err
					return
				}
				// The test's input: how long the pod lives. Nothing waits on the agent here.
				time.Sleep(time.Duration(rng.Int64N(int64(2 * time.Second))))
				if err := removeFile(a.manifests, name+".yaml"); err != nil {
					errs <- err
					return
				}
			}
		}(rand.New(rand.NewPCG(uint64(seed), uint64(w))))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	a.eventually("every pod is gone", func() (bool, string) {
		pods := a.pods()
		return len(pods) == 0, fmt.Sprintf("%d pods left", len(pods))
	})
	elapsed := time.Since(start)
	s := watch.assertInvariants()
	a.assertCensusReturns(before)
	t.Logf("%d workers x %d pods removed 0-2 s after being added, all gone %s after the first: "+
		"%d pods seen on the watch, %d reached Running and Ready, %d Succeeded or Failed, %d updates checked, %d invariant violations",
		workers, perWorker, elapsed.Round(time.Millisecond), s.pods, s.ready, s.finished, s.updates, len(s.violations))
}
