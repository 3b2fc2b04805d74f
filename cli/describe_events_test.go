package cli

import (
	"bytes"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEventAge(t *testing.T) {
	tests := []struct {
		name  string
		event v1.Event
		want  string
	}{
		{
			name:  "seen once",
			event: v1.Event{Count: 1, FirstTimestamp: at(10 * time.Second), LastTimestamp: at(10 * time.Second)},
			want:  "10s",
		},
		{
			name:  "count zero counts as once",
			event: v1.Event{FirstTimestamp: at(90 * time.Second)},
			want:  "90s",
		},
		{
			name:  "repeated: last seen, count and first seen",
			event: v1.Event{Count: 3, FirstTimestamp: at(2 * time.Minute), LastTimestamp: at(10 * time.Second)},
			want:  "10s (x3 over 2m)",
		},
		{
			name:  "hours and days",
			event: v1.Event{Count: 120, FirstTimestamp: at(50 * time.Hour), LastTimestamp: at(3*time.Hour + 20*time.Minute)},
			want:  "3h20m (x120 over 2d2h)",
		},
		{
			name:  "no timestamps",
			event: v1.Event{Count: 1},
			want:  "<unknown>",
		},
		{
			name: "events.k8s.io series",
			event: v1.Event{
				EventTime: metav1.NewMicroTime(testNow.Add(-3 * time.Minute)),
				Series:    &v1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(testNow.Add(-5 * time.Second))},
			},
			want: "5s (x4 over 3m)",
		},
		{
			name:  "clock skew: just in the future",
			event: v1.Event{Count: 1, FirstTimestamp: metav1.NewTime(testNow.Add(500 * time.Millisecond))},
			want:  "0s",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := eventAge(tc.event, testNow); got != tc.want {
				t.Errorf("eventAge = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDescribeEvents(t *testing.T) {
	tests := []struct {
		name   string
		events []v1.Event
		want   string
	}{
		{name: "none", want: "Events:  <none>\n"},
		{
			name: "sorted by last seen, container path before the message",
			events: []v1.Event{
				kubeletEvent("app", v1.EventTypeWarning, "BackOff", "Back-off restarting failed container app", 5, 4*time.Minute, 8*time.Second),
				kubeletEvent("app", v1.EventTypeNormal, "Pulled", "  Container image \"busybox\" already present on machine\n", 1, 5*time.Minute, 5*time.Minute),
				kubeletEvent("", v1.EventTypeNormal, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.", 1, 3*time.Minute, 3*time.Minute),
			},
			want: "" +
				"Events:\n" +
				"  Type     Reason          Age              From     Message\n" +
				"  ----     ------          ----             ----     -------\n" +
				"  Normal   Pulled          5m               kubelet  spec.containers{app}: Container image \"busybox\" already present on machine\n" +
				"  Normal   SandboxChanged  3m               kubelet  Pod sandbox changed, it will be killed and re-created.\n" +
				"  Warning  BackOff         8s (x5 over 4m)  kubelet  spec.containers{app}: Back-off restarting failed container app\n",
		},
		{
			name: "reporting controller when there is no source",
			events: []v1.Event{{
				Type: v1.EventTypeNormal, Reason: "Scheduled", Message: "Successfully assigned default/web to node1",
				ReportingController: "default-scheduler", EventTime: metav1.NewMicroTime(testNow.Add(-time.Minute)),
			}},
			want: "" +
				"Events:\n" +
				"  Type    Reason     Age   From               Message\n" +
				"  ----    ------     ----  ----               -------\n" +
				"  Normal  Scheduled  60s   default-scheduler  Successfully assigned default/web to node1\n",
		},
		{
			name:   "terminal escapes are defused",
			events: []v1.Event{kubeletEvent("", v1.EventTypeWarning, "Failed", "bad \x1b[31mred\x1b[0m\rover", 1, time.Second, time.Second)},
			want: "" +
				"Events:\n" +
				"  Type     Reason  Age   From     Message\n" +
				"  ----     ------  ----  ----     -------\n" +
				"  Warning  Failed  1s    kubelet  bad ^[[31mred^[[0m\\rover\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := newDescribeWriter(&buf)
			if err := describeEvents(w, tc.events, testNow); err != nil {
				t.Fatal(err)
			}
			if err := w.flush(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
