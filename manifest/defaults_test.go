package manifest

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestDefaultPullPolicy(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		image string
		want  v1.PullPolicy
	}{
		{image: "busybox", want: v1.PullAlways},
		{image: "busybox:latest", want: v1.PullAlways},
		{image: "busybox:1.36", want: v1.PullIfNotPresent},
		{image: "docker.io/library/busybox:1.36", want: v1.PullIfNotPresent},
		{image: "busybox@" + digest, want: v1.PullIfNotPresent},
		{image: "busybox:latest@" + digest, want: v1.PullIfNotPresent},
		{image: "localhost:5000/img", want: v1.PullAlways},
		{image: "localhost:5000/img:v2", want: v1.PullIfNotPresent},
		{image: "localhost:5000/img:latest", want: v1.PullAlways},
		{image: "registry.example.com:443/team/app", want: v1.PullAlways},
		{image: "Not A Reference", want: v1.PullIfNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			if got := defaultPullPolicy(tt.image); got != tt.want {
				t.Errorf("defaultPullPolicy(%q) = %s, want %s", tt.image, got, tt.want)
			}
		})
	}
}

func TestSetDefaults(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*v1.Pod)      // applied to a minimal pod before defaulting
		check  func(*v1.Pod) bool // true when the defaulted pod is right
	}{
		{
			name:  "namespace default",
			check: func(p *v1.Pod) bool { return p.Namespace == metav1.NamespaceDefault },
		},
		{
			name:   "namespace kept",
			mutate: func(p *v1.Pod) { p.Namespace = "tools" },
			check:  func(p *v1.Pod) bool { return p.Namespace == "tools" },
		},
		{
			name:   "node name always overwritten",
			mutate: func(p *v1.Pod) { p.Spec.NodeName = "other" },
			check:  func(p *v1.Pod) bool { return p.Spec.NodeName == "node-1" },
		},
		{
			name: "pod spec defaults",
			check: func(p *v1.Pod) bool {
				s := p.Spec
				return s.RestartPolicy == v1.RestartPolicyAlways && s.DNSPolicy == v1.DNSClusterFirst &&
					*s.TerminationGracePeriodSeconds == 30 && s.SchedulerName == "default-scheduler" &&
					s.SecurityContext != nil && *s.EnableServiceLinks
			},
		},
		{
			name: "explicit values kept",
			mutate: func(p *v1.Pod) {
				p.Spec.RestartPolicy = v1.RestartPolicyNever
				p.Spec.TerminationGracePeriodSeconds = ptr(int64(0))
				p.Spec.EnableServiceLinks = ptr(false)
				p.Spec.Containers[0].ImagePullPolicy = v1.PullNever
			},
			check: func(p *v1.Pod) bool {
				return p.Spec.RestartPolicy == v1.RestartPolicyNever && *p.Spec.TerminationGracePeriodSeconds == 0 &&
					!*p.Spec.EnableServiceLinks && p.Spec.Containers[0].ImagePullPolicy == v1.PullNever
			},
		},
		{
			name: "container defaults",
			check: func(p *v1.Pod) bool {
				c := p.Spec.Containers[0]
				return c.ImagePullPolicy == v1.PullIfNotPresent && c.TerminationMessagePath == "/dev/termination-log" &&
					c.TerminationMessagePolicy == v1.TerminationMessageReadFile
			},
		},
		{
			name: "init containers defaulted too",
			mutate: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox"}}
			},
			check: func(p *v1.Pod) bool { return p.Spec.InitContainers[0].ImagePullPolicy == v1.PullAlways },
		},
		{
			name:   "port protocol",
			mutate: func(p *v1.Pod) { p.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 80}} },
			check: func(p *v1.Pod) bool {
				port := p.Spec.Containers[0].Ports[0]
				return port.Protocol == v1.ProtocolTCP && port.HostPort == 0
			},
		},
		{
			name: "host network copies containerPort to hostPort",
			mutate: func(p *v1.Pod) {
				p.Spec.HostNetwork = true
				p.Spec.Containers[0].Ports = []v1.ContainerPort{{ContainerPort: 80}}
			},
			check: func(p *v1.Pod) bool { return p.Spec.Containers[0].Ports[0].HostPort == 80 },
		},
		{
			name: "probe defaults",
			mutate: func(p *v1.Pod) {
				p.Spec.Containers[0].LivenessProbe = &v1.Probe{ProbeHandler: v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
				p.Spec.Containers[0].ReadinessProbe = &v1.Probe{PeriodSeconds: 3, ProbeHandler: v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}}
			},
			check: func(p *v1.Pod) bool {
				l, r := p.Spec.Containers[0].LivenessProbe, p.Spec.Containers[0].ReadinessProbe
				return l.PeriodSeconds == 10 && l.TimeoutSeconds == 1 && l.SuccessThreshold == 1 && l.FailureThreshold == 3 &&
					l.HTTPGet.Path == "/" && l.HTTPGet.Scheme == v1.URISchemeHTTP && r.PeriodSeconds == 3
			},
		},
		{
			name: "lifecycle httpGet defaults",
			mutate: func(p *v1.Pod) {
				p.Spec.Containers[0].Lifecycle = &v1.Lifecycle{PreStop: &v1.LifecycleHandler{HTTPGet: &v1.HTTPGetAction{Port: intstr.FromInt32(80)}}}
			},
			check: func(p *v1.Pod) bool {
				h := p.Spec.Containers[0].Lifecycle.PreStop.HTTPGet
				return h.Path == "/" && h.Scheme == v1.URISchemeHTTP
			},
		},
		{
			name: "env fieldRef apiVersion",
			mutate: func(p *v1.Pod) {
				p.Spec.Containers[0].Env = []v1.EnvVar{{Name: "N", ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.name"}}}}
			},
			check: func(p *v1.Pod) bool { return p.Spec.Containers[0].Env[0].ValueFrom.FieldRef.APIVersion == "v1" },
		},
		{
			name: "volumes",
			mutate: func(p *v1.Pod) {
				p.Spec.Volumes = []v1.Volume{
					{Name: "none"},
					{Name: "host", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/tmp"}}},
				}
			},
			check: func(p *v1.Pod) bool {
				v := p.Spec.Volumes
				return equality.Semantic.DeepEqual(v[0].EmptyDir, &v1.EmptyDirVolumeSource{}) &&
					v[1].HostPath.Type != nil && *v[1].HostPath.Type == v1.HostPathUnset
			},
		},
		{
			name: "requests default to limits",
			mutate: func(p *v1.Pod) {
				p.Spec.Containers[0].Resources.Limits = v1.ResourceList{v1.ResourceMemory: resource.MustParse("64Mi")}
			},
			check: func(p *v1.Pod) bool {
				q := p.Spec.Containers[0].Resources.Requests[v1.ResourceMemory]
				return q.Cmp(resource.MustParse("64Mi")) == 0
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &v1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "p"},
				Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Image: "nginx:1.27"}}},
			}
			if tt.mutate != nil {
				tt.mutate(pod)
			}
			SetDefaults(pod, "node-1")
			if !tt.check(pod) {
				t.Errorf("defaulted pod is wrong: %+v", pod)
			}
			if errs := Validate(pod); len(errs) != 0 {
				t.Errorf("defaulted pod does not validate: %v", errs)
			}
		})
	}
}
