package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// runningPod is a ready one-container pod created age ago.
func runningPod(ns, name, ip string, age time.Duration) v1.Pod {
	return v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(testNow.Add(-age))},
		Spec:       v1.PodSpec{NodeName: "node1", Containers: []v1.Container{{Name: "c", Image: "busybox"}}},
		Status: v1.PodStatus{
			Phase:             v1.PodRunning,
			PodIP:             ip,
			PodIPs:            []v1.PodIP{{IP: ip}},
			ContainerStatuses: []v1.ContainerStatus{{Name: "c", Ready: true, State: running()}},
		},
	}
}

func crashingPod() v1.Pod {
	p := runningPod("default", "crasher", "10.88.0.9", 2*time.Hour)
	p.Status.ContainerStatuses[0] = v1.ContainerStatus{
		Name:         "c",
		State:        waiting("CrashLoopBackOff"),
		RestartCount: 7,
		LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", FinishedAt: metav1.NewTime(testNow.Add(-90 * time.Second)),
		}},
	}
	return p
}

func TestPrintPodsTable(t *testing.T) {
	web := runningPod("default", "web", "10.88.0.2", 3*time.Minute)
	dns := runningPod("kube-system", "coredns-node1", "10.88.0.3", 26*time.Hour)
	pending := v1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "new"}, Status: v1.PodStatus{Phase: v1.PodPending}}
	gated := runningPod("default", "gated", "10.88.0.4", 10*time.Second)
	gated.Spec.ReadinessGates = []v1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
	gated.Status.Conditions = []v1.PodCondition{{Type: "example.com/lb", Status: v1.ConditionTrue}}

	tests := []struct {
		name string
		pods []v1.Pod
		opts GetPodsOptions
		want string
	}{
		{
			name: "no pods prints nothing",
			want: "",
		},
		{
			name: "default columns",
			pods: []v1.Pod{crashingPod(), web},
			want: "" +
				"NAME      READY   STATUS             RESTARTS      AGE\n" +
				"crasher   0/1     CrashLoopBackOff   7 (90s ago)   120m\n" +
				"web       1/1     Running            0             3m\n",
		},
		{
			name: "all namespaces prepends NAMESPACE",
			pods: []v1.Pod{web, dns},
			opts: GetPodsOptions{AllNamespaces: true},
			want: "" +
				"NAMESPACE     NAME            READY   STATUS    RESTARTS   AGE\n" +
				"default       web             1/1     Running   0          3m\n" +
				"kube-system   coredns-node1   1/1     Running   0          26h\n",
		},
		{
			name: "wide adds IP, node, nominated node, readiness gates",
			pods: []v1.Pod{gated, pending},
			opts: GetPodsOptions{Output: "wide"},
			want: "" +
				"NAME    READY   STATUS    RESTARTS   AGE         IP          NODE     NOMINATED NODE   READINESS GATES\n" +
				"gated   1/1     Running   0          10s         10.88.0.4   node1    <none>           1/2\n" +
				"new     0/0     Pending   0          <unknown>   <none>      <none>   <none>           <none>\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = testNow
			var buf bytes.Buffer
			if err := PrintPods(&buf, tc.pods, tc.opts); err != nil {
				t.Fatalf("PrintPods: %v", err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestPrintPodsStructured(t *testing.T) {
	web := runningPod("default", "web", "10.88.0.2", time.Minute)
	db := runningPod("default", "db", "10.88.0.5", time.Minute)
	tests := []struct {
		name         string
		pods         []v1.Pod
		opts         GetPodsOptions
		want         string   // whole output, when set
		wantContains []string // else these lines
	}{
		{
			name: "name",
			pods: []v1.Pod{db, web},
			opts: GetPodsOptions{Output: "name"},
			want: "pod/db\npod/web\n",
		},
		{
			name: "json empty list",
			opts: GetPodsOptions{Output: "json"},
			want: "{\n" +
				"    \"apiVersion\": \"v1\",\n" +
				"    \"items\": [],\n" +
				"    \"kind\": \"List\",\n" +
				"    \"metadata\": {\n" +
				"        \"resourceVersion\": \"\"\n" +
				"    }\n" +
				"}\n",
		},
		{
			name: "yaml empty list",
			opts: GetPodsOptions{Output: "yaml"},
			want: "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
		},
		{
			name: "json list of pods with kind on every item",
			pods: []v1.Pod{db, web},
			opts: GetPodsOptions{Output: "json"},
			wantContains: []string{
				"\n    \"kind\": \"List\",\n",
				"\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Pod\",\n",
				"\"podIP\": \"10.88.0.5\"",
				"\"podIP\": \"10.88.0.2\"",
			},
		},
		{
			name: "json of one named pod is the pod itself",
			pods: []v1.Pod{web},
			opts: GetPodsOptions{Output: "json", Names: []string{"web"}},
			wantContains: []string{
				"{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"Pod\",\n    \"metadata\": {\n",
				"\n        \"podIP\": \"10.88.0.2\",\n",
			},
		},
		{
			name: "yaml of one named pod is the pod itself",
			pods: []v1.Pod{web},
			opts: GetPodsOptions{Output: "yaml", Names: []string{"web"}},
			wantContains: []string{
				"apiVersion: v1\nkind: Pod\nmetadata:\n",
				"\n  podIP: 10.88.0.2\n",
			},
		},
		{
			name: "yaml of two named pods is a List",
			pods: []v1.Pod{db, web},
			opts: GetPodsOptions{Output: "yaml", Names: []string{"db", "web"}},
			wantContains: []string{
				"apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n",
				"\nkind: List\nmetadata:\n  resourceVersion: \"\"\n",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = testNow
			var buf bytes.Buffer
			if err := PrintPods(&buf, tc.pods, tc.opts); err != nil {
				t.Fatalf("PrintPods: %v", err)
			}
			got := buf.String()
			if tc.want != "" && got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			for _, s := range tc.wantContains {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q:\n%s", s, got)
				}
			}
		})
	}
}

func TestPrintPodsRejectsUnknownOutput(t *testing.T) {
	err := PrintPods(&bytes.Buffer{}, nil, GetPodsOptions{Output: "jsonpath"})
	if err == nil || !strings.Contains(err.Error(), `"jsonpath"`) {
		t.Fatalf("err = %v, want one naming the format", err)
	}
}
