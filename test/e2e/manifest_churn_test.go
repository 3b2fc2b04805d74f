package e2e

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// writeFileAtomic writes name in dir through a hidden temporary file and a rename.
func writeFileAtomic(dir, name, content string) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s into place: %w", tmp, err)
	}
	return nil
}

func removeFile(dir, name string) error {
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("remove manifest: %w", err)
	}
	return nil
}

// churnPod is a quick pod whose generation is in its environment, so the test can tell which
// write of a file a pod came from.
func churnPod(name string, gen int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: mchurn}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    env: [{name: GEN, value: "%d"}]
`, name, gen)
}

// manifestChurn changes a manifest directory at random: writes (whole, or in place where the
// agent may read half a file), rewrites of a pod's spec under the same name, renames onto new and
// existing names, and removals. It remembers what each file holds.
type manifestChurn struct {
	dir   string
	rng   *rand.Rand
	gen   int
	files map[string]churnEntry // file name -> what it holds
	ops   map[string]int        // what was done, how often
}

type churnEntry struct {
	pod string
	gen int
}

const churnMaxFiles = 12

func (c *manifestChurn) step() error {
	c.gen++
	names := slices.Sorted(maps.Keys(c.files))
	pick := func() string { return names[c.rng.IntN(len(names))] }
	newFile := func() string { return fmt.Sprintf("m%d.yaml", c.gen) }
	// Creations weigh three times as much as each other change, so the directory holds files to
	// rename and rewrite, and some are left when the churn ends.
	op := max(c.rng.IntN(8)-2, 0)
	if len(names) == 0 {
		op = 0
	}
	if op == 0 && len(names) >= churnMaxFiles {
		op = 1
	}
	switch op {
	case 0: // a new file with a new pod
		name, e := newFile(), churnEntry{pod: fmt.Sprintf("p%d", c.gen), gen: c.gen}
		c.ops["create"]++
		return c.write(name, e, true)
	case 1: // the same pod, a new spec
		name := pick()
		e := churnEntry{pod: c.files[name].pod, gen: c.gen}
		c.ops["rewrite in place"]++
		return c.write(name, e, false)
	case 2: // a different pod in the same file
		name, e := pick(), churnEntry{pod: fmt.Sprintf("p%d", c.gen), gen: c.gen}
		c.ops["replace pod"]++
		return c.write(name, e, true)
	case 3: // rename to a new name
		from, to := pick(), newFile()
		c.ops["rename"]++
		return c.rename(from, to)
	case 4: // rename over another file
		from, to := pick(), pick()
		if from == to {
			return nil
		}
		c.ops["rename over"]++
		return c.rename(from, to)
	default:
		name := pick()
		c.ops["remove"]++
		delete(c.files, name)
		return removeFile(c.dir, name)
	}
}

func (c *manifestChurn) write(name string, e churnEntry, atomic bool) error {
	c.files[name] = e
	content := churnPod(e.pod, e.gen)
	if atomic {
		return writeFileAtomic(c.dir, name, content)
	}
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o644); err != nil {
		return fmt.Errorf("rewrite manifest: %w", err)
	}
	return nil
}

func (c *manifestChurn) rename(from, to string) error {
	c.files[to] = c.files[from]
	delete(c.files, from)
	if err := os.Rename(filepath.Join(c.dir, from), filepath.Join(c.dir, to)); err != nil {
		return fmt.Errorf("rename manifest: %w", err)
	}
	return nil
}

// want is the final directory as "pod gen=N" lines, sorted.
func (c *manifestChurn) want() []string {
	var out []string
	for _, e := range c.files {
		out = append(out, fmt.Sprintf("%s gen=%d", e.pod, e.gen))
	}
	slices.Sort(out)
	return out
}

// runningPods are the agent's pods that are Running and Ready, as "pod gen=N" lines, sorted, and
// the others described.
func runningPods(pods []v1.Pod) (running, others []string) {
	for _, p := range pods {
		gen := ""
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == "GEN" {
				gen = e.Value
			}
		}
		if p.Status.Phase == v1.PodRunning && condition(&p, v1.PodReady) && p.DeletionTimestamp == nil {
			running = append(running, fmt.Sprintf("%s gen=%s", p.Name, gen))
		} else {
			others = append(others, p.Name+" gen="+gen+": "+describe(&p))
		}
	}
	slices.Sort(running)
	return running, others
}

// Hundreds of writes, rewrites, renames and removals of a few manifest files within seconds,
// then quiet: the agent's pods are then exactly the final directory's, each from the file's last
// write, and once they are removed nothing is left.
func TestChurnManifests(t *testing.T) {
	a := startAgent(t, withFlags("--profiling"))
	before := a.baselineCensus("mchurn")

	seed := time.Now().UnixNano()
	t.Logf("random seed %d", seed)
	c := &manifestChurn{dir: a.manifests, rng: rand.New(rand.NewPCG(uint64(seed), 0)),
		files: map[string]churnEntry{}, ops: map[string]int{}}
	n := testenv.Count(200, 600)
	start := time.Now()
	for range n {
		if err := c.step(); err != nil {
			t.Fatal(err)
		}
		// The test's input: a change every few milliseconds, faster than the agent's scans.
		time.Sleep(time.Duration(c.rng.IntN(20)) * time.Millisecond)
	}
	churned := time.Since(start)
	want := c.want()
	a.eventually("the pods are the final directory's", func() (bool, string) {
		running, others := runningPods(a.pods())
		return slices.Equal(running, want) && len(others) == 0,
			fmt.Sprintf("want %q\n running %q\n others %q", want, running, others)
	})
	converged := time.Since(start)
	if errs := a.manifestErrors(); len(errs) > 0 {
		t.Errorf("manifest errors after the churn ended: %+v", errs)
	}
	t.Logf("%d changes to the manifest directory in %s (%v); the %d final pods matched it %s after the first change",
		n, churned.Round(time.Millisecond), c.ops, len(want), converged.Round(time.Millisecond))

	for name := range c.files {
		a.removeManifest(name)
	}
	a.eventually("every pod is removed", func() (bool, string) {
		pods := a.pods()
		return len(pods) == 0, fmt.Sprintf("%d pods left", len(pods))
	})
	a.assertCensusReturns(before)
}
