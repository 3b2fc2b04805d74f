package runtime

import (
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// terminatingReason is the reason of the Ready and ContainersReady conditions of a pod being
// removed.
const terminatingReason = "PodTerminating"

// terminatingStatus is the status a pod shows from the moment its removal begins until it is gone:
// its last status, marked as deleted at `at` with its grace period, and no longer Ready. The worker
// publishes nothing else while it stops the pod, so a pod left Ready here would be reported Ready
// while its containers are being killed.
func terminatingStatus(cur *v1.Pod, at time.Time, grace int64) *v1.Pod {
	out := cur.DeepCopy()
	t := metav1.NewTime(at)
	out.DeletionTimestamp = &t
	out.DeletionGracePeriodSeconds = &grace
	for i := range out.Status.Conditions {
		c := &out.Status.Conditions[i]
		if (c.Type == v1.PodReady || c.Type == v1.ContainersReady) && c.Status == v1.ConditionTrue {
			c.Status, c.Reason, c.Message, c.LastTransitionTime = v1.ConditionFalse, terminatingReason, "the pod is being removed", t
		}
	}
	for _, list := range [][]v1.ContainerStatus{out.Status.InitContainerStatuses, out.Status.ContainerStatuses} {
		for i := range list {
			list[i].Ready = false
		}
	}
	return out
}
