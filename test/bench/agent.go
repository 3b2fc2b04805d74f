package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	v1 "k8s.io/api/core/v1"
)

// agentProc is a minikubelet run by the benchmark, with its own root, namespace, bridge and port.
type agentProc struct {
	bin, pause, images string
	root, manifests    string
	namespace, bridge  string
	cidr               string
	port               int
	cmd                *exec.Cmd
	exited             chan error
	http               *http.Client
	netnsBase          []string // mkl-* netns present before the agent started
}

func (a *agentProc) start(extra ...string) error {
	if err := os.MkdirAll(a.manifests, 0o755); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(filepath.Dir(a.root), "agent.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	args := append([]string{"run",
		"--pod-manifest-path", a.manifests, "--root-dir", a.root,
		"--containerd-namespace", a.namespace, "--read-only-port", fmt.Sprint(a.port),
		"--images-dir", a.images, "--pod-cidr", a.cidr, "--bridge-name", a.bridge,
		"--pause-binary", a.pause, "--profiling", "--socket", filepath.Join(a.root, "minikubelet.sock"),
	}, extra...)
	a.cmd = exec.Command(a.bin, args...)
	a.cmd.Stdout, a.cmd.Stderr = log, log
	if err := a.cmd.Start(); err != nil {
		return err
	}
	a.exited = make(chan error, 1)
	go func() { a.exited <- a.cmd.Wait() }()
	a.http = &http.Client{Timeout: 10 * time.Second}
	return poll(60*time.Second, time.Millisecond*20, func() (bool, error) {
		select {
		case err := <-a.exited:
			return false, fmt.Errorf("agent exited: %v", err)
		default:
		}
		resp, err := a.http.Get(a.url("/healthz"))
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == 200, nil
	})
}

func (a *agentProc) stop() {
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
	a.cmd = nil
}

func (a *agentProc) pid() int { return a.cmd.Process.Pid }

func (a *agentProc) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", a.port, path)
}

func (a *agentProc) pods() ([]v1.Pod, error) {
	resp, err := a.http.Get(a.url("/pods"))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var list v1.PodList
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// writeManifest lands a manifest atomically: written aside, renamed into place.
func (a *agentProc) writeManifest(name, content string) error {
	tmp := filepath.Join(a.manifests, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(a.manifests, name))
}

func (a *agentProc) removeManifest(name string) error {
	return os.Remove(filepath.Join(a.manifests, name))
}

// running tells a pod that is Running with every container running.
func running(p *v1.Pod) bool {
	if p.Status.Phase != v1.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil {
			return false
		}
	}
	return true
}

// countPods counts the pods matching cond.
func (a *agentProc) countPods(cond func(*v1.Pod) bool) (int, int, error) {
	pods, err := a.pods()
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for i := range pods {
		if cond(&pods[i]) {
			n++
		}
	}
	return n, len(pods), nil
}

// poll runs cond every interval until it holds, fails, or timeout passes.
func poll(timeout, interval time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("timed out after %s", timeout)
		case <-time.After(interval):
		}
	}
}
