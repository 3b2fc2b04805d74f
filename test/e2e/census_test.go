package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A census lists, kind by kind, everything on the host that belongs to one agent and that a pod
// could leave behind: network namespaces, veths, iptables rules, IPAM files, containerd objects,
// mounts, shims, cgroups, files, and the agent's own fds, FIFOs and goroutines. Two censuses taken
// before and after a churn must be equal; diff says how they differ. (containerd's
// TestShimDoesNotLeakPipes and TestReload100Pods count some of these the same way.)
type census map[string][]string

// censusKinds are the census's kinds in the order a diff reports them.
var censusKinds = []string{
	"netns", "veths", "iptables rules", "IPAM files", "containers", "tasks", "snapshots", "leases",
	"mounts", "shims", "cgroups", "pod directories", "sandbox directories", "log files",
	"agent fds", "FIFOs", "agent goroutines",
}

// fifoDir is where containerd's client makes the FIFOs of a process's stdio.
const fifoDir = "/run/containerd/fifo"

// census counts what belongs to the agent now. The agent must be running, with --profiling for
// its goroutines.
func (a *agent) census() census {
	a.t.Helper()
	c := census{
		"netns":               a.leftNetns(),
		"veths":               a.veths(),
		"iptables rules":      a.iptablesRules(),
		"IPAM files":          names(a.t, filepath.Join(a.root, "cni", "ipam", "minikubelet")),
		"containers":          lines(a.ctr("containers", "ls", "-q")),
		"tasks":               tableRows(a.ctr("tasks", "ls")),
		"snapshots":           tableRows(a.ctr("snapshots", "ls")),
		"leases":              tableRows(a.ctr("leases", "ls")),
		"mounts":              a.mounts(),
		"shims":               a.shims(),
		"cgroups":             a.cgroupDirs(),
		"pod directories":     names(a.t, filepath.Join(a.root, "pods")),
		"sandbox directories": names(a.t, filepath.Join(a.root, "sandboxes")),
		"log files":           walk(a.t, filepath.Join(a.root, "logs")),
	}
	c["agent fds"] = a.agentFDs()
	c["FIFOs"] = a.fifos(c["containers"], c["agent fds"])
	c["agent goroutines"] = a.goroutines()
	return c
}

// diff describes how after differs from c, kind by kind, with what appeared and what went; ""
// when they are equal.
func (c census) diff(after census) string {
	var b strings.Builder
	for _, kind := range censusKinds {
		gone, added := multisetDiff(c[kind], after[kind])
		if len(gone) == 0 && len(added) == 0 {
			continue
		}
		// A goroutine's stack changes as it works (the one serving this census's own request, say):
		// only their number must come back; the stacks say which ones differ when it does not.
		if kind == "agent goroutines" && len(c[kind]) == len(after[kind]) {
			continue
		}
		fmt.Fprintf(&b, "\n  %s: %d before, %d after", kind, len(c[kind]), len(after[kind]))
		if len(added) > 0 {
			fmt.Fprintf(&b, "\n    new: %s", someOf(added))
		}
		if len(gone) > 0 {
			fmt.Fprintf(&b, "\n    gone: %s", someOf(gone))
		}
	}
	return b.String()
}

// counts is a one-line summary, for the test log.
func (c census) counts() string {
	var parts []string
	for _, kind := range censusKinds {
		parts = append(parts, fmt.Sprintf("%s=%d", kind, len(c[kind])))
	}
	return strings.Join(parts, " ")
}

// assertCensusReturns waits until the agent's census equals before again, and fails with the
// difference if it never does within the wait bound. It waits because a removed pod's last
// goroutines and connections end a moment after /pods stops listing it. It logs both counts.
func (a *agent) assertCensusReturns(before census) {
	a.t.Helper()
	a.t.Logf("census before: %s", before.counts())
	deadline := time.Now().Add(waitTimeout)
	for {
		after := a.census()
		d := before.diff(after)
		if d == "" {
			a.t.Logf("census after:  %s", after.counts())
			return
		}
		if time.Now().After(deadline) {
			a.t.Errorf("the agent's census did not return to what it was before:%s", d)
			return
		}
		time.Sleep(time.Second) // poll interval, not synchronisation
	}
}

func multisetDiff(before, after []string) (gone, added []string) {
	count := map[string]int{}
	for _, s := range before {
		count[s]++
	}
	for _, s := range after {
		if count[s] > 0 {
			count[s]--
		} else {
			added = append(added, s)
		}
	}
	for _, s := range before {
		if count[s] > 0 {
			count[s]--
			gone = append(gone, s)
		}
	}
	return gone, added
}

func someOf(items []string) string {
	const most = 8
	if len(items) <= most {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:most], "; ") + fmt.Sprintf("; and %d more", len(items)-most)
}

func lines(out string) []string {
	var items []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			items = append(items, l)
		}
	}
	return items
}

// tableRows are the rows of a ctr table without its header.
func tableRows(out string) []string {
	rows := lines(out)
	if len(rows) > 0 {
		rows = rows[1:]
	}
	for i, r := range rows {
		rows[i] = strings.Join(strings.Fields(r), " ")
	}
	return rows
}

// names lists a directory's entries; a missing directory has none.
func names(t interface{ Fatal(...any) }, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// walk lists every file and directory under dir, relative to it.
func walk(t interface{ Fatal(...any) }, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // gone while walking, or never made
			}
			return err
		}
		if rel, _ := filepath.Rel(dir, path); rel != "." {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (a *agent) veths() []string {
	if _, err := net.InterfaceByName(a.bridge); err != nil {
		return nil
	}
	out, err := exec.Command("ip", "-o", "link", "show", "master", a.bridge).Output()
	if err != nil {
		a.t.Fatalf("ip link show master %s: %v", a.bridge, err)
	}
	var items []string
	for _, l := range lines(string(out)) {
		if f := strings.Fields(l); len(f) > 1 {
			items = append(items, strings.TrimSuffix(f[1], ":"))
		}
	}
	return items
}

var (
	ipv4InRule   = regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}\b`)
	cniIDInRule  = regexp.MustCompile(`id: \\"([0-9a-f]+)\\"`)
	cniChainRule = regexp.MustCompile(`\bCNI-[0-9A-Za-z-]+`)
)

// iptablesRules are the iptables rules and chains that belong to the agent's pods: those that name
// an address of its pod CIDR or a sandbox ID from its log, and the per-pod chains those jump to.
// The chains CNI shares between all networks (CNI-HOSTPORT-*) are not any one agent's.
func (a *agent) iptablesRules() []string {
	save, err := exec.Command("iptables-save").Output()
	if err != nil {
		a.t.Fatalf("iptables-save: %v", err)
	}
	log, err := os.ReadFile(a.logPath)
	if err != nil {
		a.t.Fatal(err)
	}
	all := lines(string(save))
	ours := func(line string) bool {
		for _, ip := range ipv4InRule.FindAllString(line, -1) {
			if a.cidr.Contains(net.ParseIP(ip)) {
				return true
			}
		}
		for _, m := range cniIDInRule.FindAllStringSubmatch(line, -1) {
			if bytes.Contains(log, []byte(m[1])) {
				return true
			}
		}
		return false
	}
	chains := map[string]bool{}
	picked := make([]bool, len(all))
	for changed := true; changed; {
		changed = false
		for i, line := range all {
			if picked[i] || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "*") || line == "COMMIT" {
				continue
			}
			if !ours(line) && !inChains(line, chains) {
				continue
			}
			picked[i], changed = true, true
			for _, c := range cniChainRule.FindAllString(line, -1) {
				if !strings.HasPrefix(c, "CNI-HOSTPORT-") {
					chains[c] = true
				}
			}
		}
	}
	var items []string
	for i, line := range all {
		if picked[i] {
			items = append(items, line)
		}
	}
	return items
}

// inChains tells whether an iptables-save line declares one of chains or appends a rule to it.
func inChains(line string, chains map[string]bool) bool {
	f := strings.Fields(line)
	switch {
	case len(f) > 0 && strings.HasPrefix(f[0], ":"):
		return chains[strings.TrimPrefix(f[0], ":")]
	case len(f) > 1 && f[0] == "-A":
		return chains[f[1]]
	}
	return false
}

// mounts are the mount points under the agent's root dir or its containerd namespace's task
// directories.
func (a *agent) mounts() []string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		a.t.Fatal(err)
	}
	var items []string
	for _, l := range lines(string(data)) {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		if strings.HasPrefix(f[4], a.root+"/") || strings.Contains(f[4], "/"+a.namespace+"/") {
			items = append(items, f[4])
		}
	}
	return items
}

func (a *agent) shims() []string {
	out, _ := exec.Command("pgrep", "-f", "containerd-shim-runc-v2 -namespace "+a.namespace+" ").Output()
	return strings.Fields(string(out))
}

// cgroupDirs lists every cgroup under the agent's cgroup root, in every hierarchy.
func (a *agent) cgroupDirs() []string {
	var items []string
	for _, dir := range cgroupHost(a.t).Dirs(a.cgroupRoot) {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil // a cgroup removed while walking
			}
			items = append(items, path)
			return nil
		})
	}
	return items
}

// agentFDs are the targets of the agent process's open file descriptors.
func (a *agent) agentFDs() []string {
	dir := fmt.Sprintf("/proc/%d/fd", a.cmd.Process.Pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		a.t.Fatalf("the agent's fds: %v", err)
	}
	var items []string
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed while listing
		}
		// Sockets and pipes differ only by inode; what counts is how many there are.
		if i := strings.Index(target, ":["); i > 0 {
			target = target[:i]
		}
		items = append(items, target)
	}
	return items
}

// fifos are the FIFOs under containerd's FIFO directory that are the agent's: named for one of
// its containers or execs (the agent logs each exec's ID), or open in the agent.
func (a *agent) fifos(containers, fds []string) []string {
	log, err := os.ReadFile(a.logPath)
	if err != nil {
		a.t.Fatal(err)
	}
	var items []string
	for _, rel := range walk(a.t, fifoDir) {
		path := filepath.Join(fifoDir, rel)
		st, err := os.Lstat(path)
		if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
			continue
		}
		id := filepath.Base(path)
		for _, stream := range []string{"-stdin", "-stdout", "-stderr"} {
			id = strings.TrimSuffix(id, stream)
		}
		if slices.Contains(containers, id) || bytes.Contains(log, []byte(id)) || slices.Contains(fds, path) {
			items = append(items, path)
		}
	}
	return items
}

// goroutines are the agent's goroutines, each named by the functions on its stack, from
// /debug/pprof/goroutine?debug=1 on its socket (the agent needs --profiling).
func (a *agent) goroutines() []string {
	body, code, err := a.get("/debug/pprof/goroutine?debug=1")
	if err != nil || code != 200 {
		a.t.Fatalf("GET /debug/pprof/goroutine: %d %v (is the agent run with --profiling?)", code, err)
	}
	// Each record is "N @ pc..." and then "#\tpc\tfunc+off\tfile:line" lines, one per frame.
	var items []string
	sc := bufio.NewScanner(strings.NewReader(body))
	n, stack := 0, []string(nil)
	flush := func() {
		for range n {
			items = append(items, strings.Join(stack, " < "))
		}
		n, stack = 0, nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, " @ "):
			flush()
			n, _ = strconv.Atoi(strings.Fields(line)[0])
		case strings.HasPrefix(line, "#\t"):
			if f := strings.Fields(line); len(f) > 2 {
				fn := f[2]
				if i := strings.LastIndex(fn, "+0x"); i > 0 {
					fn = fn[:i]
				}
				stack = append(stack, fn)
			}
		}
	}
	flush()
	if len(items) == 0 {
		a.t.Fatalf("no goroutines in the agent's profile:\n%s", body)
	}
	return items
}

// settledCensus takes censuses a second apart until two in a row agree, so that the baseline a
// test compares with holds no goroutine or connection of a moment.
func (a *agent) settledCensus() census {
	a.t.Helper()
	prev := a.census()
	deadline := time.Now().Add(waitTimeout)
	for {
		time.Sleep(time.Second) // poll interval, not synchronisation
		cur := a.census()
		d := prev.diff(cur)
		if d == "" {
			return cur
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("the agent's census never settled; last change:%s", d)
		}
		prev = cur
	}
}

// baselineCensus runs one quick pod through its whole life first, so that what the agent keeps
// for all pods (CNI's shared chains, the IPAM allocator's state, the unpacked image) is in the
// baseline, then takes a settled census.
func (a *agent) baselineCensus(namespace string) census {
	a.t.Helper()
	a.writeManifest("warm.yaml", quickPod(namespace, "warm"))
	a.waitRunning(namespace, "warm")
	a.removeManifest("warm.yaml")
	a.waitGone(namespace, "warm")
	return a.settledCensus()
}
