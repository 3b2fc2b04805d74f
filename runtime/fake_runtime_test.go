package runtime

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// fakeClock is a settable Clock, safe for the goroutines a sync starts.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeRuntime is a state-based container runtime and sandbox maker holding one pod: containers
// go created -> running -> exited as the engine and the test say, sandboxes are made ready and
// removed. It is the ContainerRuntime and the Sandboxes of a Manager under test.
type fakeRuntime struct {
	clock *fakeClock

	mu         sync.Mutex // guards the fields below
	uid        types.UID
	containers map[string]*ContainerStatus
	sandboxes  []*SandboxStatus // newest first
	nextID     int
	failCreate int // CreateContainer calls still to fail
}

func newFakeRuntime(clock *fakeClock, uid types.UID) *fakeRuntime {
	return &fakeRuntime{clock: clock, uid: uid, containers: map[string]*ContainerStatus{}}
}

// errFakeCreate is the failure failCreate injects.
var errFakeCreate = errors.New("fake: create failed")

func (f *fakeRuntime) GetPod(_ context.Context, uid types.UID) (*PodStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := &PodStatus{UID: uid}
	if uid != f.uid {
		return st, nil
	}
	for _, sb := range f.sandboxes {
		c := *sb
		c.IPs = slices.Clone(sb.IPs)
		st.Sandboxes = append(st.Sandboxes, &c)
	}
	for _, c := range f.containers {
		cp := *c
		st.Containers = append(st.Containers, &cp)
	}
	slices.SortFunc(st.Containers, func(a, b *ContainerStatus) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(b.Attempt, a.Attempt), cmp.Compare(b.ID, a.ID))
	})
	return st, nil
}

func (f *fakeRuntime) ListPods(ctx context.Context) (map[types.UID]*PodStatus, error) {
	st, err := f.GetPod(ctx, f.uid)
	return map[types.UID]*PodStatus{f.uid: st}, err
}

func (f *fakeRuntime) EnsureImage(_ context.Context, image string, _ v1.PullPolicy) (ImageInfo, error) {
	return ImageInfo{Name: image, ID: image + "@sha256:0"}, nil
}

func (f *fakeRuntime) CreateContainer(_ context.Context, cfg ContainerConfig) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failCreate > 0 {
		f.failCreate--
		return "", errFakeCreate
	}
	f.nextID++
	id := fmt.Sprintf("c%d", f.nextID)
	f.containers[id] = &ContainerStatus{
		ID: id, Name: cfg.Name, Kind: cfg.Kind, SandboxID: cfg.SandboxID, Attempt: cfg.Attempt, Hash: cfg.Hash,
		State: StateCreated, CreatedAt: f.clock.Now(), Image: cfg.Image.Name, ImageRef: cfg.Image.ID, GracePeriod: cfg.GracePeriod,
	}
	return id, nil
}

func (f *fakeRuntime) StartContainer(_ context.Context, id, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[id]
	if !ok {
		return fmt.Errorf("fake: start %s: not found", id)
	}
	c.State, c.StartedAt = StateRunning, f.clock.Now()
	return nil
}

// StopContainer ends a running container as SIGKILL would.
func (f *fakeRuntime) StopContainer(_ context.Context, id string, _ time.Duration) error {
	f.exit(id, 137)
	return nil
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id) // not found is success
	return nil
}

func (f *fakeRuntime) ExecSync(context.Context, string, []string, time.Duration) ([]byte, int, error) {
	return nil, 0, nil
}

// exit ends a running or created container with code.
func (f *fakeRuntime) exit(id string, code int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[id]; ok && c.State != StateExited {
		c.State, c.ExitCode, c.FinishedAt = StateExited, code, f.clock.Now()
	}
}

// running lists the IDs of the containers running or created, sorted.
func (f *fakeRuntime) running() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, c := range f.containers {
		if c.State != StateExited {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// killSandbox makes the newest sandbox not ready, as when its pause process dies.
func (f *fakeRuntime) killSandbox() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sandboxes) > 0 {
		f.sandboxes[0].State = SandboxNotReady
	}
}

func (f *fakeRuntime) Run(_ context.Context, req SandboxRequest) (*SandboxStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	sb := &SandboxStatus{
		ID: fmt.Sprintf("sb%d", f.nextID), Attempt: req.Attempt, State: SandboxReady, CreatedAt: f.clock.Now(),
		IPs: []string{fmt.Sprintf("10.0.0.%d", f.nextID%250+2)}, PodCreated: req.PodCreated, PodStarted: req.PodStarted,
	}
	f.sandboxes = append([]*SandboxStatus{sb}, f.sandboxes...)
	c := *sb
	return &c, nil
}

func (f *fakeRuntime) RemovePod(_ context.Context, uid types.UID) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if uid != f.uid {
		return 0, nil
	}
	n := len(f.sandboxes)
	f.sandboxes = nil
	return n, nil
}

func (f *fakeRuntime) Mounts(string, *v1.Pod) []Mount { return nil }

func (f *fakeRuntime) Sweep(context.Context, func(string) bool) ([]string, error) { return nil, nil }

// fakeVolumes prepares nothing and succeeds.
type fakeVolumes struct{}

func (fakeVolumes) Setup(*v1.Pod) (map[string]string, error) { return map[string]string{}, nil }
func (fakeVolumes) ContainerMounts(*v1.Pod, *v1.Container, map[string]string) ([]Mount, error) {
	return nil, nil
}
func (fakeVolumes) Teardown(types.UID) error   { return nil }
func (fakeVolumes) Pods() ([]types.UID, error) { return nil, nil }
