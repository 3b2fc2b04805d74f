package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/images"
)

// peerResult is podman kube play and kube down on the same manifests.
type peerResult struct {
	Version               string
	OneStart, OneDelete   dist
	SeedStart, SeedDelete dist
}

// peerRun times `podman kube play` (it returns once the pod's containers started) and `podman
// kube down` on the benchmark's pods. The busybox image is loaded into podman first; close removes
// it, podman's own pause image and any bridge podman made.
type peerRun struct {
	version  string
	dir      string
	env      []string
	podman   string
	bridges  map[string]bool
	chains   bool // podman's firewall chains existed before
	sequence int
}

func newPeer(work string) (*peerRun, error) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		return nil, errors.New("podman is not installed (make bench-peers installs it)")
	}
	p := &peerRun{podman: podman, dir: filepath.Join(work, "podman"), bridges: bridges(), chains: firewallChains()}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	// podman raises nofile and nproc to the kernel's maximum, which this kind of VM refuses; keep
	// them below the hard limits (containerd's default is 1024) in a config of the bench's own.
	conf := filepath.Join(p.dir, "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=20000:20000\"]\n"), 0o644); err != nil {
		return nil, err
	}
	p.env = append(os.Environ(), "CONTAINERS_CONF="+conf)
	out, err := p.cmd("--version").Output()
	if err != nil {
		return nil, err
	}
	p.version = strings.TrimSpace(string(out))
	// podman loads one image per OCI archive: the same busybox image, on its own.
	imgs, err := images.Busybox(images.DefaultBusybox, images.BusyboxImage)
	if err != nil {
		return nil, err
	}
	archive := filepath.Join(p.dir, "busybox.tar")
	if err := ociimage.WriteArchiveFile(archive, imgs...); err != nil {
		return nil, err
	}
	if out, err := p.cmd("load", "-i", archive).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("podman load: %v: %s", err, out)
	}
	return p, nil
}

func (p *peerRun) cmd(args ...string) *exec.Cmd {
	cmd := exec.Command(p.podman, args...)
	cmd.Env = p.env
	return cmd
}

// sample times one kube play and one kube down.
func (p *peerRun) sample(manifest func(string) string) (start, down time.Duration, err error) {
	p.sequence++
	name := fmt.Sprintf("peer-%d", p.sequence)
	file := filepath.Join(p.dir, name+".yaml")
	if err := os.WriteFile(file, []byte(manifest(name)), 0o644); err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	out, err := p.cmd("kube", "play", file).CombinedOutput()
	start = time.Since(t0)
	t1 := time.Now()
	dout, derr := p.cmd("kube", "down", file).CombinedOutput()
	down = time.Since(t1)
	if err != nil {
		_ = p.cmd("pod", "rm", "-f", name).Run() // whatever the failed play left
		return 0, 0, fmt.Errorf("podman kube play: %v: %s", err, out)
	}
	if derr != nil {
		return 0, 0, fmt.Errorf("podman kube down: %v: %s", derr, dout)
	}
	return start, down, nil
}

func (p *peerRun) close() {
	_ = p.cmd("rmi", "-f", images.BusyboxImage).Run()
	_ = p.cmd("rmi", "-f", "localhost/podman-pause:"+strings.TrimPrefix(p.version, "podman version ")+"-0").Run()
	for b := range bridges() {
		if !p.bridges[b] {
			hostLinkDel(b)
		}
	}
	if !p.chains && firewallChains() {
		// podman's CNI firewall plugin leaves its filter chains behind.
		_ = exec.Command("iptables", "-D", "FORWARD", "-m", "comment", "--comment", "CNI firewall plugin rules", "-j", "CNI-FORWARD").Run()
		for _, c := range []string{"CNI-FORWARD", "CNI-ADMIN"} {
			_ = exec.Command("iptables", "-F", c).Run()
		}
		for _, c := range []string{"CNI-FORWARD", "CNI-ADMIN"} {
			_ = exec.Command("iptables", "-X", c).Run()
		}
	}
}

// firewallChains tells whether the CNI firewall plugin's filter chains exist.
func firewallChains() bool {
	return exec.Command("iptables", "-n", "-L", "CNI-FORWARD").Run() == nil
}

// bridges lists the host's bridge interfaces.
func bridges() map[string]bool {
	out := map[string]bool{}
	ifs, err := net.Interfaces()
	if err != nil {
		return out
	}
	for _, i := range ifs {
		if _, err := os.Stat("/sys/class/net/" + i.Name + "/bridge"); err == nil {
			out[i.Name] = true
		}
	}
	return out
}

func hostLinkDel(name string) { _ = exec.Command("ip", "link", "del", name).Run() }
