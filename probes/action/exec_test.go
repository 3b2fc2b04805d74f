package action

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestExecProbe(t *testing.T) {
	tests := []struct {
		name      string
		exec      fakeExec
		want      Result
		message   string
		wantCalls int
	}{
		{name: "exit 0", exec: fakeExec{out: "fine"}, want: Success, wantCalls: 1},
		{name: "exit 1: the output as it is", exec: fakeExec{out: "cat: can't open '/tmp/healthy': No such file or directory\n", code: 1},
			want: Failure, message: "cat: can't open '/tmp/healthy': No such file or directory\n", wantCalls: 1},
		{name: "output capped at 10 KiB", exec: fakeExec{out: strings.Repeat("x", 20<<10), code: 2},
			want: Failure, message: strings.Repeat("x", 10<<10), wantCalls: 1},
		{name: "timeout: kubelet's message", exec: fakeExec{err: fmt.Errorf("%w after 1s", ErrExecTimeout)},
			want: Failure, message: `command "cat /tmp/healthy" timed out`, wantCalls: 1},
		{name: "could not exec: unknown, tried 3 times", exec: fakeExec{err: errors.New("container gone")},
			want: Unknown, message: "container gone", wantCalls: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/tmp/healthy"}}}}
			got, msg := Probe(context.Background(), p, Target{ContainerID: "c", Exec: &tc.exec})
			if got != tc.want || msg != tc.message {
				t.Errorf("Probe = %s %.80q, want %s %.80q", got, msg, tc.want, tc.message)
			}
			if tc.exec.calls != tc.wantCalls {
				t.Errorf("exec ran %d times, want %d", tc.exec.calls, tc.wantCalls)
			}
		})
	}
}

func TestExecProbeExpandsStaticEnv(t *testing.T) {
	c := &v1.Container{Env: []v1.EnvVar{
		{Name: "FILE", Value: "/tmp/healthy"},
		{Name: "SECRET", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{Key: "k"}}},
	}}
	exec := &fakeExec{}
	p := &v1.Probe{ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{
		Command: []string{"sh", "-c", "test -f $(FILE) && echo $$HOME $(MISSING) [$(SECRET)] $(unclosed"},
	}}}
	if got, msg := Probe(context.Background(), p, Target{ContainerID: "c", Container: c, Exec: exec}); got != Success {
		t.Fatalf("Probe = %s %q", got, msg)
	}
	want := []string{"sh", "-c", "test -f /tmp/healthy && echo $HOME $(MISSING) [] $(unclosed"}
	if !reflect.DeepEqual(exec.cmd, want) {
		t.Errorf("ran %q, want %q", exec.cmd, want)
	}
}
