package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DescribePod prints a pod of the agent and its events like `kubectl describe
// pod`. A missing pod is the error `pods "NAME" not found`, as kubectl says it.
func DescribePod(ctx context.Context, c *Client, namespace, name string, now time.Time, out io.Writer) error {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	list, err := c.Pods(ctx)
	if err != nil {
		return fmt.Errorf("get pods: %w", err)
	}
	pod := findPod(list.Items, namespace, name)
	if pod == nil {
		return fmt.Errorf("pods %q not found", name)
	}
	events, err := c.PodEvents(ctx, namespace, name)
	if errors.Is(err, ErrNotFound) {
		// The pod went away between the two requests.
		return fmt.Errorf("pods %q not found", name)
	}
	if err != nil {
		return fmt.Errorf("get events of pod %s/%s: %w", namespace, name, err)
	}
	return PrintPodDescription(out, pod, events.Items, now)
}

// findPod returns the named pod. While a pod is being replaced the agent lists
// both; like the events endpoint, prefer the one that is not being deleted.
func findPod(pods []v1.Pod, namespace, name string) *v1.Pod {
	var found *v1.Pod
	for i := range pods {
		p := &pods[i]
		if p.Namespace == namespace && p.Name == name && (found == nil || p.DeletionTimestamp == nil) {
			found = p
		}
	}
	return found
}

// PrintPodDescription writes what `kubectl describe pod` prints for pod and
// its events, in kubectl's layout (kubectl pkg/describe describePod); ages are
// measured from now.
func PrintPodDescription(w io.Writer, pod *v1.Pod, events []v1.Event, now time.Time) error {
	var buf bytes.Buffer
	dw := newDescribeWriter(&buf)
	describePodHeader(dw, pod, now)
	if len(pod.Spec.InitContainers) > 0 {
		describeContainers(dw, "Init Containers", pod, pod.Spec.InitContainers, pod.Status.InitContainerStatuses)
	}
	describeContainers(dw, "Containers", pod, pod.Spec.Containers, pod.Status.ContainerStatuses)
	describePodConditions(dw, pod)
	describeVolumes(dw, pod.Spec.Volumes)
	dw.line(level0, "QoS Class:\t%s\n", orNone(string(pod.Status.QOSClass)))
	dw.labels("Node-Selectors", pod.Spec.NodeSelector)
	dw.tolerations("Tolerations", pod.Spec.Tolerations)
	if err := describeEvents(dw, events, now); err != nil {
		return fmt.Errorf("describe pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	if err := dw.flush(); err != nil {
		return fmt.Errorf("describe pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("describe pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// describePodHeader writes the pod's fields above its containers.
func describePodHeader(w *describeWriter, pod *v1.Pod, now time.Time) {
	w.line(level0, "Name:\t%s\n", pod.Name)
	w.line(level0, "Namespace:\t%s\n", pod.Namespace)
	if pod.Spec.Priority != nil {
		w.line(level0, "Priority:\t%d\n", *pod.Spec.Priority)
	}
	if pod.Spec.PriorityClassName != "" {
		w.line(level0, "Priority Class Name:\t%s\n", pod.Spec.PriorityClassName)
	}
	if pod.Spec.RuntimeClassName != nil && *pod.Spec.RuntimeClassName != "" {
		w.line(level0, "Runtime Class Name:\t%s\n", *pod.Spec.RuntimeClassName)
	}
	if pod.Spec.ServiceAccountName != "" {
		w.line(level0, "Service Account:\t%s\n", pod.Spec.ServiceAccountName)
	}
	if pod.Spec.NodeName == "" {
		w.line(level0, "Node:\t<none>\n")
	} else {
		w.line(level0, "Node:\t%s/%s\n", pod.Spec.NodeName, pod.Status.HostIP)
	}
	if pod.Status.StartTime != nil {
		w.line(level0, "Start Time:\t%s\n", pod.Status.StartTime.Format(time.RFC1123Z))
	}
	w.labels("Labels", pod.Labels)
	w.annotations("Annotations", pod.Annotations)
	if pod.DeletionTimestamp != nil && pod.Status.Phase != v1.PodFailed && pod.Status.Phase != v1.PodSucceeded {
		w.line(level0, "Status:\tTerminating (lasts %s)\n", age(pod.DeletionTimestamp.Time, now))
		if pod.DeletionGracePeriodSeconds != nil {
			w.line(level0, "Termination Grace Period:\t%ds\n", *pod.DeletionGracePeriodSeconds)
		}
	} else {
		w.line(level0, "Status:\t%s\n", pod.Status.Phase)
	}
	if pod.Status.Reason != "" {
		w.line(level0, "Reason:\t%s\n", pod.Status.Reason)
	}
	if pod.Status.Message != "" {
		w.line(level0, "Message:\t%s\n", pod.Status.Message)
	}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		describeSeccomp(w, level0, sc.SeccompProfile)
	}
	w.line(level0, "IP:\t%s\n", pod.Status.PodIP)
	if len(pod.Status.PodIPs) == 0 {
		w.line(level0, "IPs:\t<none>\n")
	} else {
		w.line(level0, "IPs:\n")
		for _, ip := range pod.Status.PodIPs {
			w.line(level1, "IP:\t%s\n", ip.IP)
		}
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		w.line(level0, "Controlled By:\t%s/%s\n", ref.Kind, ref.Name)
	}
	if pod.Status.NominatedNodeName != "" {
		w.line(level0, "NominatedNodeName:\t%s\n", pod.Status.NominatedNodeName)
	}
	if pod.Spec.Resources != nil {
		w.line(level0, "Resources:\n")
		describeResources(w, level1, pod.Spec.Resources)
	}
}

// describeSeccomp writes the seccomp profile type, and the localhost profile.
func describeSeccomp(w *describeWriter, level int, p *v1.SeccompProfile) {
	w.line(level, "SeccompProfile:\t%s\n", p.Type)
	if p.Type == v1.SeccompProfileTypeLocalhost && p.LocalhostProfile != nil {
		w.line(level+1, "LocalhostProfile:\t%s\n", *p.LocalhostProfile)
	}
}

// describePodConditions writes the readiness gates and the conditions tables.
func describePodConditions(w *describeWriter, pod *v1.Pod) {
	if len(pod.Spec.ReadinessGates) > 0 {
		w.line(level0, "Readiness Gates:\n  Type\tStatus\n")
		for _, g := range pod.Spec.ReadinessGates {
			status := "<none>"
			for _, c := range pod.Status.Conditions {
				if c.Type == g.ConditionType {
					status = string(c.Status)
					break
				}
			}
			w.line(level1, "%s \t%s \n", g.ConditionType, status)
		}
	}
	if len(pod.Status.Conditions) > 0 {
		w.line(level0, "Conditions:\n  Type\tStatus\n")
		for _, c := range pod.Status.Conditions {
			w.line(level1, "%s \t%s \n", c.Type, c.Status)
		}
	}
}

// describeVolumes writes each volume with its source, the ones minikubelet
// mounts (emptyDir, hostPath) and the common cluster ones kubectl names.
func describeVolumes(w *describeWriter, volumes []v1.Volume) {
	if len(volumes) == 0 {
		w.line(level0, "Volumes:\t<none>\n")
		return
	}
	w.line(level0, "Volumes:\n")
	for _, vol := range volumes {
		w.line(level1, "%s:\n", vol.Name)
		switch src := vol.VolumeSource; {
		case src.HostPath != nil:
			hostPathType := "<none>"
			if src.HostPath.Type != nil {
				hostPathType = string(*src.HostPath.Type)
			}
			w.line(level2, "Type:\tHostPath (bare host directory volume)\n")
			w.line(level2, "Path:\t%s\n", src.HostPath.Path)
			w.line(level2, "HostPathType:\t%s\n", hostPathType)
		case src.EmptyDir != nil:
			sizeLimit := "<unset>"
			if q := src.EmptyDir.SizeLimit; q != nil && q.Sign() > 0 {
				sizeLimit = q.String()
			}
			w.line(level2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
			w.line(level2, "Medium:\t%s\n", src.EmptyDir.Medium)
			w.line(level2, "SizeLimit:\t%s\n", sizeLimit)
		case src.ConfigMap != nil:
			w.line(level2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
			w.line(level2, "Name:\t%s\n", src.ConfigMap.Name)
			w.line(level2, "Optional:\t%t\n", src.ConfigMap.Optional != nil && *src.ConfigMap.Optional)
		case src.Secret != nil:
			w.line(level2, "Type:\tSecret (a volume populated by a Secret)\n")
			w.line(level2, "SecretName:\t%s\n", src.Secret.SecretName)
			w.line(level2, "Optional:\t%t\n", src.Secret.Optional != nil && *src.Secret.Optional)
		case src.DownwardAPI != nil:
			w.line(level2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n")
			w.line(level2, "Items:\n")
			for _, item := range src.DownwardAPI.Items {
				if item.FieldRef != nil {
					w.line(level3, "%s -> %s\n", item.FieldRef.FieldPath, item.Path)
				}
				if item.ResourceFieldRef != nil {
					w.line(level3, "%s -> %s\n", item.ResourceFieldRef.Resource, item.Path)
				}
			}
		case src.PersistentVolumeClaim != nil:
			w.line(level2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n")
			w.line(level2, "ClaimName:\t%s\n", src.PersistentVolumeClaim.ClaimName)
			w.line(level2, "ReadOnly:\t%t\n", src.PersistentVolumeClaim.ReadOnly)
		default:
			w.line(level1, "<unknown>\n")
		}
	}
}
