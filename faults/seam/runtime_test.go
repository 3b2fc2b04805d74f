package seam

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/minikubelet/minikubelet/faults"
	"github.com/minikubelet/minikubelet/runtime"
)

// countingRuntime is a runtime.ContainerRuntime that counts the calls reaching it.
type countingRuntime struct {
	runtime.ContainerRuntime // nil: only the methods below are called
	calls                    int
}

func (c *countingRuntime) RemoveContainer(context.Context, string) error { c.calls++; return nil }

type countingSandboxes struct {
	runtime.Sandboxes
	calls int
}

func (c *countingSandboxes) RemovePod(context.Context, types.UID) (int, error) {
	c.calls++
	return 1, nil
}

func (c *countingSandboxes) Mounts(string, *v1.Pod) []runtime.Mount { c.calls++; return nil }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestWrapOffReturnsTheSame(t *testing.T) {
	rt := &countingRuntime{}
	if got := WrapRuntime(rt, faults.RuntimeFaults{Delay: 0.5}, quiet()); got != runtime.ContainerRuntime(rt) {
		t.Errorf("WrapRuntime with faults off = %T, want the runtime itself", got)
	}
	sb := &countingSandboxes{}
	if got := WrapSandboxes(sb, faults.RuntimeFaults{}, quiet()); got != runtime.Sandboxes(sb) {
		t.Errorf("WrapSandboxes with faults off = %T, want the sandboxes themselves", got)
	}
}

func TestRuntimeSeam(t *testing.T) {
	next := &countingRuntime{}
	rt := WrapRuntime(next, faults.RuntimeFaults{Fail: 1}, quiet())
	if err := rt.RemoveContainer(context.Background(), "c"); !errors.Is(err, faults.ErrInjected) {
		t.Errorf("RemoveContainer under fail=1 = %v, want ErrInjected", err)
	}
	lost := WrapRuntime(next, faults.RuntimeFaults{Lose: 1}, quiet())
	if err := lost.RemoveContainer(context.Background(), "c"); !errors.Is(err, faults.ErrInjected) {
		t.Errorf("RemoveContainer under lose=1 = %v, want ErrInjected", err)
	}
	if next.calls != 1 {
		t.Errorf("%d calls reached the runtime, want 1 (the lost one)", next.calls)
	}
}

func TestSandboxSeam(t *testing.T) {
	next := &countingSandboxes{}
	sb := WrapSandboxes(next, faults.RuntimeFaults{Fail: 1}, quiet())
	if _, err := sb.RemovePod(context.Background(), "uid"); !errors.Is(err, faults.ErrInjected) {
		t.Errorf("RemovePod under fail=1 = %v, want ErrInjected", err)
	}
	sb.Mounts("sb", &v1.Pod{})
	if next.calls != 1 {
		t.Errorf("%d calls reached the sandboxes, want 1 (Mounts passes through, RemovePod fails)", next.calls)
	}
}
