// Package sandbox owns a pod's sandbox: its network namespace, its CNI attachment, the pause
// container that holds the pod's shared namespaces, the files every container of the pod mounts
// (/etc/hosts, /etc/resolv.conf, /etc/hostname, /dev/shm), and the checkpoint that lets any of it
// be undone after a crash.
//
// A sandbox's life:
//
//	checkpoint -> netns -> CNI ADD -> files, shm -> pause started   (Run; each step undone on failure)
//	pause removed -> CNI DEL -> netns removed -> files, shm -> checkpoint removed   (Remove)
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/network"
	"github.com/minikubelet/minikubelet/runtime"
)

// Network attaches sandboxes to the pod network; network.Manager implements it.
type Network interface {
	Setup(ctx context.Context, a network.Attachment) (network.Result, error)
	Teardown(ctx context.Context, a network.Attachment) error
}

// Config wires a Manager.
type Config struct {
	Dir        string // ROOT/sandboxes: one directory per sandbox
	PauseImage string
	Network    Network
	Runtime    PauseRuntime
	HostIPs    []string // the node's IPs: the pod IPs of hostNetwork pods
	ResolvConf string   // the node's resolver config, default /etc/resolv.conf
	HostsFile  string   // the node's hosts file, default /etc/hosts
	Logger     *slog.Logger
	// Faults are the failpoints tests enable; nil in production.
	Faults *faults.Points
}

// Manager creates and removes sandboxes. It holds no per-sandbox state in memory: the checkpoint
// directory and the runtime are the record.
type Manager struct {
	cfg Config
	log *slog.Logger
}

// cleanupTimeout bounds rollback and removal, which run on a fresh context so that a cancelled
// request still releases what it acquired.
const cleanupTimeout = 2 * time.Minute

// New checks the config and creates the sandboxes directory.
func New(cfg Config) (*Manager, error) {
	if cfg.Dir == "" || cfg.Network == nil || cfg.Runtime == nil || cfg.PauseImage == "" {
		return nil, errors.New("sandbox: Dir, Network, Runtime and PauseImage are required")
	}
	if cfg.ResolvConf == "" {
		cfg.ResolvConf = "/etc/resolv.conf"
	}
	if cfg.HostsFile == "" {
		cfg.HostsFile = "/etc/hosts"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create sandboxes dir: %w", err)
	}
	return &Manager{cfg: cfg, log: cfg.Logger}, nil
}

func newSandboxID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return hex.EncodeToString(b)
}

func (m *Manager) dir(id string) string { return filepath.Join(m.cfg.Dir, id) }

// PortMappings are the pod's hostPort mappings, from its main and sidecar containers.
func PortMappings(pod *v1.Pod) []network.PortMapping {
	var out []network.PortMapping
	add := func(cs []v1.Container) {
		for _, c := range cs {
			for _, p := range c.Ports {
				if p.HostPort == 0 {
					continue
				}
				proto := p.Protocol
				if proto == "" {
					proto = v1.ProtocolTCP
				}
				out = append(out, network.PortMapping{HostPort: p.HostPort, ContainerPort: p.ContainerPort,
					Protocol: strings.ToLower(string(proto)), HostIP: p.HostIP})
			}
		}
	}
	var sidecars []v1.Container
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == v1.ContainerRestartPolicyAlways {
			sidecars = append(sidecars, c)
		}
	}
	add(sidecars)
	add(pod.Spec.Containers)
	return out
}

func podRef(pod *v1.Pod) runtime.PodRef {
	return runtime.PodRef{UID: pod.UID, Name: pod.Name, Namespace: pod.Namespace}
}

func attachment(cp checkpoint) network.Attachment {
	return network.Attachment{
		SandboxID: cp.ID, NetnsPath: cp.NetnsPath,
		PodName: cp.Pod.Name, PodNamespace: cp.Pod.Namespace, PodUID: string(cp.Pod.UID),
		PortMappings: cp.PortMappings,
	}
}

// Run creates a sandbox for the pod and returns it ready. If any step fails, what the earlier steps
// acquired is released before the error returns.
func (m *Manager) Run(ctx context.Context, req runtime.SandboxRequest) (_ *runtime.SandboxStatus, err error) {
	pod := req.Pod
	id := newSandboxID()
	dir := m.dir(id)
	log := m.log.With("pod", pod.Namespace+"/"+pod.Name, "sandbox", id)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create sandbox dir: %w", err)
	}
	cp := checkpoint{ID: id, Pod: podRef(pod), HostNetwork: pod.Spec.HostNetwork,
		PortMappings: PortMappings(pod), Created: time.Now()}
	if !pod.Spec.HostNetwork {
		cp.NetnsPath = netnsPath(id)
	}
	if err := writeCheckpoint(dir, cp); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	log.Debug("sandbox checkpoint written", "netns", cp.NetnsPath)
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if rerr := m.Remove(cctx, id); rerr != nil {
			log.Error("roll back failed sandbox", "err", rerr)
		}
	}()

	// The network and the pause container are set up at once: both need only the pinned netns.
	// The pod's IPs reach the hosts file and the pause container's record once CNI returns.
	ips := m.cfg.HostIPs
	var netErr error
	var wg sync.WaitGroup
	if !pod.Spec.HostNetwork {
		if _, err := createNetns(id); err != nil {
			return nil, err
		}
		m.cfg.Faults.Hang(ctx, faults.NetnsCreated)
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := m.cfg.Network.Setup(ctx, attachment(cp))
			if err != nil {
				netErr = fmt.Errorf("set up pod network: %w", err)
				return
			}
			m.cfg.Faults.Hang(ctx, faults.CNIAdded)
			ips = nil
			for _, ip := range res.IPs {
				ips = append(ips, ip.String())
			}
		}()
	}
	shm, err := m.writeFiles(dir, pod, log)
	var pid uint32
	if err == nil {
		pcfg := PauseConfig{
			ID: id, Pod: cp.Pod, Attempt: req.Attempt, Image: m.cfg.PauseImage,
			Hostname: PodHostname(pod), NetnsPath: cp.NetnsPath,
			HostIPC: pod.Spec.HostIPC, HostPID: pod.Spec.HostPID,
			PodCreated: req.PodCreated, PodStarted: req.PodStarted,
			GracePeriod: gracePeriod(pod), Mounts: shm,
			CgroupParent: req.CgroupParent, Sysctls: podSysctls(pod), OOMScoreAdj: runtime.PauseOOMScoreAdj,
		}
		if pid, err = m.cfg.Runtime.StartPause(ctx, pcfg); err != nil {
			err = fmt.Errorf("start pause container: %w", err)
		} else {
			m.cfg.Faults.Hang(ctx, faults.PauseStarted)
		}
	}
	wg.Wait()
	if err = errors.Join(netErr, err); err != nil {
		return nil, err
	}
	if err := m.writeHosts(dir, pod, ips); err != nil {
		return nil, err
	}
	if err := m.cfg.Runtime.SetSandboxIPs(ctx, id, ips); err != nil {
		return nil, fmt.Errorf("record pod IPs: %w", err)
	}
	log.Info("sandbox ready", "ips", ips, "pid", pid)
	return &runtime.SandboxStatus{
		ID: id, Attempt: req.Attempt, State: runtime.SandboxReady, CreatedAt: cp.Created,
		IPs: ips, NetnsPath: cp.NetnsPath, Pid: pid,
		PodCreated: req.PodCreated, PodStarted: req.PodStarted,
	}, nil
}

// podSysctls are the pod's sysctls by name; validation let only kubelet's safe set through.
func podSysctls(pod *v1.Pod) map[string]string {
	sc := pod.Spec.SecurityContext
	if sc == nil || len(sc.Sysctls) == 0 {
		return nil
	}
	out := make(map[string]string, len(sc.Sysctls))
	for _, s := range sc.Sysctls {
		out[s.Name] = s.Value
	}
	return out
}

func gracePeriod(pod *v1.Pod) int64 {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return *g
	}
	return v1.DefaultTerminationGracePeriodSeconds
}

// Mounts are the sandbox's files every container of the pod mounts: /etc/hosts, /etc/hostname,
// /etc/resolv.conf and, unless the pod uses the host's IPC namespace, the pod's shared /dev/shm.
func (m *Manager) Mounts(sandboxID string, pod *v1.Pod) []runtime.Mount {
	dir := m.dir(sandboxID)
	mounts := []runtime.Mount{
		{HostPath: filepath.Join(dir, "hosts"), ContainerPath: "/etc/hosts"},
		{HostPath: filepath.Join(dir, "hostname"), ContainerPath: "/etc/hostname"},
		{HostPath: filepath.Join(dir, "resolv.conf"), ContainerPath: "/etc/resolv.conf"},
	}
	if !pod.Spec.HostIPC {
		mounts = append(mounts, runtime.Mount{HostPath: filepath.Join(dir, "shm"), ContainerPath: "/dev/shm"})
	}
	return mounts
}

// writeFiles writes the pod's /etc/hostname and /etc/resolv.conf and mounts its shared /dev/shm,
// which it returns as the pause container's mount (none with the host's IPC namespace).
func (m *Manager) writeFiles(dir string, pod *v1.Pod, log *slog.Logger) ([]runtime.Mount, error) {
	nodeResolv, err := os.ReadFile(m.cfg.ResolvConf)
	if err != nil && pod.Spec.DNSPolicy != v1.DNSNone {
		log.Warn("node resolver config unreadable; pod gets an empty one", "path", m.cfg.ResolvConf, "err", err)
	}
	resolv, warnings := resolvConf(pod, nodeResolv)
	for _, w := range warnings {
		log.Warn("resolv.conf: " + w)
	}
	files := map[string][]byte{
		"hostname":    []byte(PodHostname(pod) + "\n"),
		"resolv.conf": resolv,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return nil, fmt.Errorf("write pod %s: %w", name, err)
		}
	}
	if pod.Spec.HostIPC {
		return nil, nil
	}
	shm := filepath.Join(dir, "shm")
	if err := mountShm(shm); err != nil {
		return nil, err
	}
	return []runtime.Mount{{HostPath: shm, ContainerPath: "/dev/shm"}}, nil
}

// writeHosts writes the pod's /etc/hosts, which names the pod's IPs.
func (m *Manager) writeHosts(dir string, pod *v1.Pod, ips []string) error {
	nodeHosts, err := os.ReadFile(m.cfg.HostsFile)
	if err != nil && pod.Spec.HostNetwork {
		return fmt.Errorf("read node hosts file: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts"), hostsFile(pod, ips, nodeHosts), 0o644); err != nil {
		return fmt.Errorf("write pod hosts: %w", err)
	}
	return nil
}

// Remove releases everything of a sandbox: the pause container, the CNI attachment (freeing the IP,
// veth and iptables rules even if the netns is already gone), the netns, the shm mount and files.
// It is idempotent; the checkpoint goes last, so a failed removal can be retried. Once begun it
// runs to its end even if ctx is cancelled: a CNI DEL killed half-way has removed the veth the
// next DEL needs to find the pod's IP, and the IP's masquerade rule stays for good.
func (m *Manager) Remove(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	dir := m.dir(id)
	cp, cpErr := readCheckpoint(dir)
	if cpErr != nil {
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			// Nothing recorded: only a pause container can be left.
			return m.cfg.Runtime.RemovePause(ctx, id)
		}
		// A torn checkpoint: undo what can be guessed from the ID.
		m.log.Warn("sandbox checkpoint unreadable; removing what its ID names", "sandbox", id, "err", cpErr)
		cp = checkpoint{ID: id, NetnsPath: netnsPath(id)}
	}
	var errs []error
	if err := m.cfg.Runtime.RemovePause(ctx, id); err != nil {
		errs = append(errs, fmt.Errorf("remove pause container: %w", err))
	}
	m.cfg.Faults.Hang(ctx, faults.BeforeCNIDel)
	if !cp.HostNetwork {
		a := attachment(cp)
		if _, err := os.Stat(a.NetnsPath); err != nil {
			a.NetnsPath = "" // gone behind our back: plugins still free the IP and rules
		}
		if err := m.cfg.Network.Teardown(ctx, a); err != nil {
			errs = append(errs, err) // it says "tear down pod network for sandbox ..." itself
		} else if err := removeNetns(id); err != nil {
			errs = append(errs, err)
		}
	}
	if err := unmountShm(filepath.Join(dir, "shm")); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove sandbox %s: %w", id, errors.Join(errs...))
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove sandbox dir: %w", err)
	}
	return nil
}

// Sweep removes every sandbox on record that keep does not claim: those a crash or an outside
// deletion orphaned. It returns the IDs it removed.
func (m *Manager) Sweep(ctx context.Context, keep func(id string) bool) ([]string, error) {
	entries, err := os.ReadDir(m.cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		if !e.IsDir() || keep(e.Name()) {
			continue
		}
		if err := m.Remove(ctx, e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

// RemovePod removes every sandbox on record for the pod: those the runtime shows and those only a
// checkpoint remembers (a crash between acquiring and starting). It reports how many it removed.
func (m *Manager) RemovePod(ctx context.Context, uid types.UID) (int, error) {
	entries, err := os.ReadDir(m.cfg.Dir)
	if err != nil {
		return 0, fmt.Errorf("list sandboxes: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		cp, err := readCheckpoint(m.dir(e.Name()))
		if err != nil || cp.Pod.UID != uid {
			continue
		}
		if err := m.Remove(ctx, e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}
