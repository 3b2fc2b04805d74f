package containerd

import (
	"strconv"
	"strings"
	"time"
)

// Labels are the durable truth: a restarted agent rebuilds everything it knows about running pods by
// listing containers and reading these. Only these keys are ever written onto containerd objects;
// nothing from a pod's labels, annotations or an image's labels is copied (a label such as
// containerd.io/restart.loguri would make containerd run a host binary as root).
const (
	labelPrefix = "io.minikubelet."

	labelPodUID       = labelPrefix + "pod.uid"
	labelPodName      = labelPrefix + "pod.name"
	labelPodNamespace = labelPrefix + "pod.namespace"
	labelPodCreated   = labelPrefix + "pod.created"
	labelPodStarted   = labelPrefix + "pod.started"
	labelGracePeriod  = labelPrefix + "pod.grace-period"

	labelKind       = labelPrefix + "kind" // "sandbox", "init" or "main"
	labelName       = labelPrefix + "container.name"
	labelHash       = labelPrefix + "container.hash"
	labelAttempt    = labelPrefix + "attempt"
	labelSandboxID  = labelPrefix + "sandbox.id"
	labelStopSignal = labelPrefix + "container.stop-signal"
	labelImage      = labelPrefix + "container.image"
	labelImageRef   = labelPrefix + "container.image-ref"

	labelNetns = labelPrefix + "sandbox.netns"
	labelIPs   = labelPrefix + "sandbox.ips"

	// Written once the container has run, so its history survives deleting the task.
	labelStartedAt  = labelPrefix + "started-at"
	labelFinishedAt = labelPrefix + "finished-at"
	labelExitCode   = labelPrefix + "exit-code"
	labelReason     = labelPrefix + "reason"
	labelMessage    = labelPrefix + "message"

	kindSandbox = "sandbox"
)

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

func parseInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// truncateLabel keeps a value within containerd's 4096-byte label limit.
func truncateLabel(s string) string {
	const max = 4000
	if len(s) <= max {
		return s
	}
	return s[:max]
}
