package cli

import (
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Pods and events for the describe tests, times relative to testNow.

func at(d time.Duration) metav1.Time { return metav1.NewTime(testNow.Add(-d)) }

func atPtr(d time.Duration) *metav1.Time { t := at(d); return &t }

func podCondition(t v1.PodConditionType, ok bool) v1.PodCondition {
	s := v1.ConditionFalse
	if ok {
		s = v1.ConditionTrue
	}
	return v1.PodCondition{Type: t, Status: s}
}

func conditions(scheduled, initialized, ready bool) []v1.PodCondition {
	return []v1.PodCondition{
		podCondition(v1.PodReadyToStartContainers, scheduled),
		podCondition(v1.PodInitialized, initialized),
		podCondition(v1.PodReady, ready),
		podCondition(v1.ContainersReady, ready),
		podCondition(v1.PodScheduled, scheduled),
	}
}

func kubeletEvent(container, typ, reason, message string, count int32, first, last time.Duration) v1.Event {
	e := v1.Event{
		InvolvedObject: v1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web"},
		Type:           typ,
		Reason:         reason,
		Message:        message,
		Count:          count,
		FirstTimestamp: at(first),
		LastTimestamp:  at(last),
		Source:         v1.EventSource{Component: "kubelet", Host: "node1"},
	}
	if container != "" {
		e.InvolvedObject.FieldPath = "spec.containers{" + container + "}"
	}
	return e
}

// webPod runs a server and a sidecar after an init container, with most of what
// a manifest can say.
func webPod() *v1.Pod {
	hostPathDir := v1.HostPathDirectory
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "web", Namespace: "default", UID: "0b9c6c4e-uid",
			Labels:      map[string]string{"app": "web", "tier": "frontend"},
			Annotations: map[string]string{"minikubelet.io/source": "/etc/minikubelet/pods/web.yaml"},
		},
		Spec: v1.PodSpec{
			NodeName: "node1",
			InitContainers: []v1.Container{{
				Name: "init-config", Image: "busybox:1.36",
				Command:      []string{"sh", "-c", "echo ready > /config/state"},
				VolumeMounts: []v1.VolumeMount{{Name: "config", MountPath: "/config"}},
			}},
			Containers: []v1.Container{
				{
					Name: "server", Image: "busybox:1.36",
					Command: []string{"httpd", "-f"},
					Args:    []string{"-p", "8080", "-h", "/www"},
					Ports:   []v1.ContainerPort{{Name: "http", ContainerPort: 8080, HostPort: 18080, Protocol: v1.ProtocolTCP}},
					Env: []v1.EnvVar{
						{Name: "MODE", Value: "production"},
						{Name: "POD_NAME", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
						{Name: "POD_IP", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}},
						{Name: "MEM_LIMIT", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
					},
					Resources: v1.ResourceRequirements{
						Limits:   v1.ResourceList{v1.ResourceMemory: resource.MustParse("64Mi")},
						Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m"), v1.ResourceMemory: resource.MustParse("32Mi")},
					},
					ReadinessProbe: &v1.Probe{
						ProbeHandler:   v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http"), Scheme: v1.URISchemeHTTP}},
						TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3,
					},
					LivenessProbe: &v1.Probe{
						ProbeHandler:        v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(8080)}},
						InitialDelaySeconds: 3, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
					},
					VolumeMounts: []v1.VolumeMount{
						{Name: "www", MountPath: "/www"},
						{Name: "config", MountPath: "/etc/app/state", SubPath: "state", ReadOnly: true},
					},
				},
				{
					Name: "sidecar", Image: "busybox:1.36",
					Command: []string{"sh", "-c", "while true; do\n  date\n  sleep 60\ndone"},
				},
			},
			Volumes: []v1.Volume{
				{Name: "www", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
				{Name: "config", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/srv/web", Type: &hostPathDir}}},
			},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodRunning,
			Conditions: conditions(true, true, true),
			HostIP:     "192.168.1.10",
			PodIP:      "10.88.0.7",
			PodIPs:     []v1.PodIP{{IP: "10.88.0.7"}, {IP: "fd00::7"}},
			StartTime:  atPtr(5 * time.Minute),
			QOSClass:   v1.PodQOSBurstable,
			InitContainerStatuses: []v1.ContainerStatus{{
				Name: "init-config", Image: "docker.io/library/busybox:1.36", ImageID: "sha256:aaaa",
				ContainerID: "containerd://1111",
				State: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
					Reason: "Completed", ExitCode: 0, StartedAt: at(5 * time.Minute), FinishedAt: at(299 * time.Second),
					ContainerID: "containerd://1111",
				}},
			}},
			ContainerStatuses: []v1.ContainerStatus{
				{
					Name: "server", Image: "docker.io/library/busybox:1.36", ImageID: "sha256:aaaa",
					ContainerID: "containerd://2222", Ready: true,
					State: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: at(298 * time.Second)}},
				},
				{
					Name: "sidecar", Image: "docker.io/library/busybox:1.36", ImageID: "sha256:aaaa",
					ContainerID: "containerd://3333", Ready: true,
					State: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: at(298 * time.Second)}},
				},
			},
		},
	}
}

// crashingWebPod is a one-container pod whose container keeps failing.
func crashingWebPod() *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "crasher", Namespace: "default", Labels: map[string]string{"app": "crasher"}},
		Spec: v1.PodSpec{
			NodeName:   "node1",
			Containers: []v1.Container{{Name: "app", Image: "busybox:1.36", Command: []string{"sh", "-c", "exit 1"}}},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodRunning,
			Conditions: conditions(true, true, false),
			HostIP:     "192.168.1.10",
			PodIP:      "10.88.0.9",
			PodIPs:     []v1.PodIP{{IP: "10.88.0.9"}},
			StartTime:  atPtr(10 * time.Minute),
			QOSClass:   v1.PodQOSBestEffort,
			ContainerStatuses: []v1.ContainerStatus{{
				Name: "app", Image: "docker.io/library/busybox:1.36", ImageID: "sha256:aaaa",
				ContainerID:  "containerd://4444",
				RestartCount: 6,
				State: v1.ContainerState{Waiting: &v1.ContainerStateWaiting{
					Reason:  "CrashLoopBackOff",
					Message: "back-off 2m40s restarting failed container=app pod=crasher_default(uid)",
				}},
				LastTerminationState: v1.ContainerState{Terminated: &v1.ContainerStateTerminated{
					Reason: "Error", Message: "exit status 1", ExitCode: 1,
					StartedAt: at(75 * time.Second), FinishedAt: at(74 * time.Second),
				}},
			}},
		},
	}
}

// pendingPod is refused for now: its host port is taken.
func pendingPod() *v1.Pod {
	priority := int32(1000)
	grace := int64(5)
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "proxy", Namespace: "edge",
			Annotations: map[string]string{
				v1.LastAppliedConfigAnnotation: `{"kind":"Pod"}`,
				"example.com/note":             "first line\nsecond line\n",
			},
		},
		Spec: v1.PodSpec{
			NodeName:          "node1",
			Priority:          &priority,
			PriorityClassName: "edge-critical",
			NodeSelector:      map[string]string{"kubernetes.io/os": "linux"},
			Tolerations: []v1.Toleration{
				{Key: "node.kubernetes.io/unreachable", Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoExecute, TolerationSeconds: &[]int64{300}[0]},
				{Operator: v1.TolerationOpExists},
				{Key: "dedicated", Operator: v1.TolerationOpEqual, Value: "edge", Effect: v1.TaintEffectNoSchedule},
			},
			TerminationGracePeriodSeconds: &grace,
			Containers: []v1.Container{{
				Name: "proxy", Image: "envoy:v1",
				Ports: []v1.ContainerPort{
					{Name: "http", ContainerPort: 8080, HostPort: 80, Protocol: v1.ProtocolTCP},
					{ContainerPort: 9901, Protocol: v1.ProtocolTCP},
				},
				Env: []v1.EnvVar{
					{Name: "TOKEN", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{LocalObjectReference: v1.LocalObjectReference{Name: "edge"}, Key: "token"}}},
					{Name: "GREETING", Value: "hello\nworld"},
				},
				StartupProbe: &v1.Probe{
					ProbeHandler:   v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"cat", "/ready"}}},
					TimeoutSeconds: 1, PeriodSeconds: 2, SuccessThreshold: 1, FailureThreshold: 30,
				},
			}},
		},
		Status: v1.PodStatus{
			Phase:      v1.PodPending,
			Reason:     "HostPortConflict",
			Message:    "hostPort 80/TCP is already used by pod default/web",
			Conditions: []v1.PodCondition{podCondition(v1.PodScheduled, true)},
			HostIP:     "192.168.1.10",
			QOSClass:   v1.PodQOSBestEffort,
		},
	}
}

// terminatingPod is being stopped after its manifest was removed.
func terminatingPod() *v1.Pod {
	p := crashingWebPod()
	p.Name = "leaving"
	p.Labels = nil
	grace := int64(30)
	p.DeletionTimestamp = atPtr(12 * time.Second)
	p.DeletionGracePeriodSeconds = &grace
	p.Status.Conditions = conditions(true, true, true)
	p.Status.ContainerStatuses[0] = v1.ContainerStatus{
		Name: "app", Image: "docker.io/library/busybox:1.36", ImageID: "sha256:aaaa",
		ContainerID: "containerd://5555", Ready: true,
		State: v1.ContainerState{Running: &v1.ContainerStateRunning{StartedAt: at(9 * time.Minute)}},
	}
	return p
}
