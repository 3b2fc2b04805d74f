package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/test/hosttest"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// faultSeedEnv overrides the churn's random fault seed, to replay a run.
const faultSeedEnv = "MINIKUBELET_TEST_FAULT_SEED"

// faultChurnPod is one cycle's pod: an init container, two containers (one with an exec readiness
// probe, so probes go through the seam too), an emptyDir and a hostPort. The cycle annotation
// makes each cycle a new pod.
func faultChurnPod(name string, cycle, hostPort int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, annotations: {cycle: "%d"}}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - {name: init, image: busybox:1.35, command: ["sh", "-c", "echo init > /w/init"], volumeMounts: [{name: w, mountPath: /w}]}
  containers:
  - name: main
    image: busybox:1.35
    command: ["sleep", "3600"]
    ports: [{containerPort: 8080, hostPort: %d}]
    volumeMounts: [{name: w, mountPath: /w}]
    readinessProbe: {exec: {command: ["cat", "/w/init"]}, periodSeconds: 1}
  - {name: side, image: busybox:1.35, command: ["sleep", "3600"]}
  volumes: [{name: w, emptyDir: {}}]
`, name, cycle, hostPort)
}

// tryPods is GET /pods for a goroutine that may not call t.Fatal.
func (a *agent) tryPods() ([]v1.Pod, error) {
	body, code, err := a.get("/pods")
	if err != nil || code != 200 {
		return nil, fmt.Errorf("GET /pods: %d %v", code, err)
	}
	var list v1.PodList
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		return nil, fmt.Errorf("decode /pods: %w", err)
	}
	return list.Items, nil
}

// pollPod polls /pods until cond holds for the pod named so (nil when it is absent), or the wait
// bound passes.
func (a *agent) pollPod(name, what string, cond func(*v1.Pod) bool) (*v1.Pod, error) {
	deadline := time.Now().Add(waitTimeout)
	last := "no such pod"
	for {
		pods, err := a.tryPods()
		if err != nil {
			return nil, err
		}
		var p *v1.Pod
		for i := range pods {
			if pods[i].Namespace == "default" && pods[i].Name == name {
				p = &pods[i]
			}
		}
		if cond(p) {
			return p, nil
		}
		if p != nil {
			last = describe(p)
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("pod %s: timed out waiting until it %s; last seen: %s", name, what, last)
		}
		time.Sleep(200 * time.Millisecond) // poll interval, not synchronisation
	}
}

// faultChurnStats is what the churn's workers measured; mu guards it.
type faultChurnStats struct {
	mu       sync.Mutex
	ips      []string
	toReady  []time.Duration
	toGone   []time.Duration
	quickDel int // cycles deleted without waiting for the pod to run
}

// faultChurnCycle creates one pod, waits for it to run (unless quick), deletes it and waits for it to go.
func faultChurnCycle(a *agent, stats *faultChurnStats, name string, cycle, hostPort int, quick bool) error {
	file := name + ".yaml"
	tmp := a.manifests + "/." + file + ".tmp"
	if err := os.WriteFile(tmp, []byte(faultChurnPod(name, cycle, hostPort)), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, a.manifests+"/"+file); err != nil {
		return err
	}
	start := time.Now()
	cycleOf := func(p *v1.Pod) bool { return p != nil && p.Annotations["cycle"] == strconv.Itoa(cycle) }
	if quick {
		if _, err := a.pollPod(name, "appears", cycleOf); err != nil {
			return err
		}
	} else {
		p, err := a.pollPod(name, "is Running and Ready", func(p *v1.Pod) bool {
			return cycleOf(p) && p.Status.Phase == v1.PodRunning && condition(p, v1.PodReady)
		})
		if err != nil {
			return err
		}
		stats.mu.Lock()
		stats.ips = append(stats.ips, p.Status.PodIP)
		stats.toReady = append(stats.toReady, time.Since(start))
		stats.mu.Unlock()
	}
	if err := os.Remove(a.manifests + "/" + file); err != nil {
		return err
	}
	deleted := time.Now()
	if _, err := a.pollPod(name, "is gone", func(p *v1.Pod) bool { return p == nil }); err != nil {
		return err
	}
	stats.mu.Lock()
	stats.toGone = append(stats.toGone, time.Since(deleted))
	if quick {
		stats.quickDel++
	}
	stats.mu.Unlock()
	return nil
}

// With a seam in front of the runtime and the sandboxes that fails 5% of the calls, loses the
// reply of 2% (the call is made, the caller gets an error) and delays 5% by 500ms, three workers
// create and delete pods for 30 cycles (300 under make reliability): every pod runs and goes,
// and afterwards nothing is left. (containerd's integration/failpoint.)
func TestChurnRuntimeFaults(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(faultSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", faultSeedEnv, err)
		}
	}
	cfg := faults.RuntimeFaults{Fail: 0.05, Lose: 0.02, Delay: 0.05, DelayFor: 500 * time.Millisecond, Seed: seed}
	t.Logf("runtime faults %s (replay with %s=%d)", cfg, faultSeedEnv, seed)
	a := startAgent(t, withEnv(faults.RuntimeEnv+"="+cfg.String()), withFlags("--container-restart-backoff=1s"))

	const workers = 3
	cycles := testenv.Count(30, 300)
	var next atomic.Int64
	var stats faultChurnStats
	errs := make([]error, workers)
	began := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		port := hosttest.FreePort(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > cycles {
					return
				}
				if err := faultChurnCycle(a, &stats, fmt.Sprintf("churn-%d", w), i, port, i%4 == 0); err != nil {
					errs[w] = fmt.Errorf("cycle %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if pods := a.pods(); len(pods) != 0 {
		t.Fatalf("%d pods left after the churn", len(pods))
	}
	injected := countInjected(t, a)
	t.Logf("%d cycles (%d deleted before running) by %d workers in %.1fs; ready p50 %s p99 %s, gone p50 %s p99 %s; faults injected: %s",
		cycles, stats.quickDel, workers, took.Seconds(), churnQuantile(stats.toReady, 0.5), churnQuantile(stats.toReady, 0.99),
		churnQuantile(stats.toGone, 0.5), churnQuantile(stats.toGone, 0.99), injected)
	if ips := a.iptablesPodIPs(); len(ips) > 0 {
		t.Errorf("iptables still names pod IPs %v", ips)
	}
	a.assertNothingLeft(stats.ips...)
}

var injectedLine = regexp.MustCompile(`msg="fault injected" component=faults op=(\w+) fault=(\w+)`)

// countInjected sums the seam's injections from the agent's log, by fault and by call.
func countInjected(t *testing.T, a *agent) string {
	t.Helper()
	data, err := os.ReadFile(a.logPath)
	if err != nil {
		t.Fatal(err)
	}
	byFault, byOp := map[string]int{}, map[string]int{}
	for _, m := range injectedLine.FindAllStringSubmatch(string(data), -1) {
		byFault[m[2]]++
		byOp[m[1]+"/"+m[2]]++
	}
	if byFault["fail"] == 0 {
		t.Errorf("the seam injected no failure: is %s read?", faults.RuntimeEnv)
	}
	ops := make([]string, 0, len(byOp))
	for op, n := range byOp {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	return fmt.Sprintf("%d failed, %d lost, %d delayed (%s)", byFault["fail"], byFault["lose"], byFault["delay"], strings.Join(ops, ", "))
}

func churnQuantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Millisecond)
}
