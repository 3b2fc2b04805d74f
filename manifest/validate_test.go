package manifest

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// validPod is a defaulted pod that passes Validate; each case breaks one thing.
func validPod() *v1.Pod {
	pod := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: v1.PodSpec{
			Containers: []v1.Container{{
				Name:  "main",
				Image: "nginx:1.27",
				Ports: []v1.ContainerPort{{Name: "http", ContainerPort: 80}},
				VolumeMounts: []v1.VolumeMount{
					{Name: "data", MountPath: "/data"},
				},
			}},
			Volumes: []v1.Volume{{Name: "data", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}}},
		},
	}
	SetDefaults(pod, "node-1")
	return pod
}

func main0(p *v1.Pod) *v1.Container { return &p.Spec.Containers[0] }

func TestValidate(t *testing.T) {
	httpGet := func(port intstr.IntOrString) v1.ProbeHandler {
		return v1.ProbeHandler{HTTPGet: &v1.HTTPGetAction{Path: "/", Port: port, Scheme: v1.URISchemeHTTP}}
	}
	probe := func(h v1.ProbeHandler) *v1.Probe {
		return &v1.Probe{ProbeHandler: h, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
	}
	exec := v1.ProbeHandler{Exec: &v1.ExecAction{Command: []string{"true"}}}
	tests := []struct {
		name   string
		mutate func(*v1.Pod)
		want   []wantError // doc unused
	}{
		{name: "valid", mutate: func(*v1.Pod) {}},
		{
			name:   "namespace not a label",
			mutate: func(p *v1.Pod) { p.Namespace = "my.ns" },
			want:   []wantError{{field: "metadata.namespace", prefix: `Invalid value: "my.ns"`}},
		},
		{
			name:   "bad label value",
			mutate: func(p *v1.Pod) { p.Labels["app"] = "has space" },
			want:   []wantError{{field: "metadata.labels", prefix: `Invalid value: "has space"`}},
		},
		{
			name:   "no name",
			mutate: func(p *v1.Pod) { p.Name = "" },
			want:   []wantError{{field: "metadata.name", prefix: "Required value"}},
		},
		{
			name:   "no containers",
			mutate: func(p *v1.Pod) { p.Spec.Containers = nil },
			want:   []wantError{{field: "spec.containers", prefix: "Required value"}},
		},
		{
			name:   "container name not a label",
			mutate: func(p *v1.Pod) { main0(p).Name = "Main" },
			want:   []wantError{{field: "spec.containers[0].name", prefix: `Invalid value: "Main"`}},
		},
		{
			name:   "image with whitespace",
			mutate: func(p *v1.Pod) { main0(p).Image = " nginx" },
			want:   []wantError{{field: "spec.containers[0].image", prefix: "Invalid value: \" nginx\": must not have leading or trailing whitespace"}},
		},
		{
			name:   "image not a reference",
			mutate: func(p *v1.Pod) { main0(p).Image = "Nginx" },
			want:   []wantError{{field: "spec.containers[0].image", prefix: `Invalid value: "Nginx"`}},
		},
		{
			name:   "restart policy",
			mutate: func(p *v1.Pod) { p.Spec.RestartPolicy = "Sometimes" },
			want:   []wantError{{field: "spec.restartPolicy", prefix: `Unsupported value: "Sometimes"`}},
		},
		{
			name: "init container restartPolicy OnFailure",
			mutate: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox", ImagePullPolicy: v1.PullAlways,
					TerminationMessagePolicy: v1.TerminationMessageReadFile, RestartPolicy: ptr(v1.ContainerRestartPolicyOnFailure)}}
			},
			want: []wantError{{field: "spec.initContainers[0].restartPolicy", prefix: `Unsupported value: "OnFailure"`}},
		},
		{
			name: "probe on a plain init container",
			mutate: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "init", Image: "busybox", ImagePullPolicy: v1.PullAlways,
					TerminationMessagePolicy: v1.TerminationMessageReadFile, ReadinessProbe: probe(exec)}}
			},
			want: []wantError{{field: "spec.initContainers[0].readinessProbe", prefix: "Forbidden: may not be set for init containers without restartPolicy=Always"}},
		},
		{
			name: "sidecar with a probe",
			mutate: func(p *v1.Pod) {
				p.Spec.InitContainers = []v1.Container{{Name: "side", Image: "busybox", ImagePullPolicy: v1.PullAlways,
					TerminationMessagePolicy: v1.TerminationMessageReadFile, RestartPolicy: ptr(v1.ContainerRestartPolicyAlways), ReadinessProbe: probe(exec)}}
			},
		},
		{
			name:   "restartPolicy on a main container",
			mutate: func(p *v1.Pod) { main0(p).RestartPolicy = ptr(v1.ContainerRestartPolicyAlways) },
			want:   []wantError{{field: "spec.containers[0].restartPolicy", prefix: "Forbidden"}},
		},
		{
			name:   "dns policy",
			mutate: func(p *v1.Pod) { p.Spec.DNSPolicy = "Google" },
			want:   []wantError{{field: "spec.dnsPolicy", prefix: `Unsupported value: "Google"`}},
		},
		{
			name:   "dns None without nameservers",
			mutate: func(p *v1.Pod) { p.Spec.DNSPolicy = v1.DNSNone },
			want:   []wantError{{field: "spec.dnsConfig.nameservers", prefix: "Required value"}},
		},
		{
			name: "dns config",
			mutate: func(p *v1.Pod) {
				p.Spec.DNSPolicy = v1.DNSNone
				p.Spec.DNSConfig = &v1.PodDNSConfig{Nameservers: []string{"1.1.1.1", "dns"}, Searches: []string{"ok.local.", "bad_domain"}}
			},
			want: []wantError{
				{field: "spec.dnsConfig.nameservers[1]", prefix: `Invalid value: "dns"`},
				{field: "spec.dnsConfig.searches[1]", prefix: `Invalid value: "bad_domain"`},
			},
		},
		{
			name:   "hostname",
			mutate: func(p *v1.Pod) { p.Spec.Hostname = "web.example" },
			want:   []wantError{{field: "spec.hostname", prefix: `Invalid value: "web.example"`}},
		},
		{
			name:   "subdomain",
			mutate: func(p *v1.Pod) { p.Spec.Subdomain = "Sub" },
			want:   []wantError{{field: "spec.subdomain", prefix: `Invalid value: "Sub"`}},
		},
		{
			name:   "negative grace period",
			mutate: func(p *v1.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr(int64(-1)) },
			want:   []wantError{{field: "spec.terminationGracePeriodSeconds", prefix: "Invalid value: -1"}},
		},
		{
			name:   "zero active deadline",
			mutate: func(p *v1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			want:   []wantError{{field: "spec.activeDeadlineSeconds", prefix: "Invalid value: 0"}},
		},
		{
			name: "env names",
			mutate: func(p *v1.Pod) {
				main0(p).Env = []v1.EnvVar{{Name: "my.env-NAME", Value: "ok"}, {Name: "A=B"}, {Name: "tab\tname"}}
			},
			want: []wantError{
				{field: "spec.containers[0].env[1].name", prefix: `Invalid value: "A=B"`},
				{field: "spec.containers[0].env[2].name", prefix: `Invalid value: "tab\tname"`},
			},
		},
		{
			name: "env fieldRefs",
			mutate: func(p *v1.Pod) {
				ref := func(path string) *v1.EnvVarSource {
					return &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}
				}
				main0(p).Env = []v1.EnvVar{
					{Name: "A", ValueFrom: ref("status.podIPs")},
					{Name: "B", ValueFrom: ref("metadata.annotations['example.com/x']")},
					{Name: "C", ValueFrom: ref("spec.containers")},
					{Name: "D", ValueFrom: ref("metadata.labels['bad key']")},
					{Name: "E", Value: "x", ValueFrom: ref("metadata.name")},
				}
			},
			want: []wantError{
				{field: "spec.containers[0].env[2].valueFrom.fieldRef.fieldPath", prefix: `Unsupported value: "spec.containers"`},
				{field: "spec.containers[0].env[3].valueFrom.fieldRef.fieldPath", prefix: `Invalid value: "metadata.labels['bad key']"`},
				{field: "spec.containers[0].env[4].valueFrom", prefix: "Invalid value"},
			},
		},
		{
			name: "env from config maps",
			mutate: func(p *v1.Pod) {
				main0(p).EnvFrom = []v1.EnvFromSource{{ConfigMapRef: &v1.ConfigMapEnvSource{}}}
				main0(p).Env = []v1.EnvVar{{Name: "A", ValueFrom: &v1.EnvVarSource{ResourceFieldRef: &v1.ResourceFieldSelector{Resource: "limits.cpu"}}}}
			},
			want: []wantError{
				{field: "spec.containers[0].env[0].valueFrom.resourceFieldRef", prefix: "Forbidden: not supported by minikubelet yet"},
				{field: "spec.containers[0].envFrom[0].configMapRef", prefix: "Forbidden: not supported by minikubelet yet"},
			},
		},
		{
			name: "volume names",
			mutate: func(p *v1.Pod) {
				empty := v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}
				p.Spec.Volumes = append(p.Spec.Volumes, v1.Volume{Name: "data", VolumeSource: empty}, v1.Volume{Name: "Big", VolumeSource: empty})
			},
			want: []wantError{
				{field: "spec.volumes[1].name", prefix: `Duplicate value: "data"`},
				{field: "spec.volumes[2].name", prefix: `Invalid value: "Big"`},
			},
		},
		{
			name: "two volume sources",
			mutate: func(p *v1.Pod) {
				p.Spec.Volumes[0].HostPath = &v1.HostPathVolumeSource{Path: "/tmp", Type: ptr(v1.HostPathUnset)}
			},
			want: []wantError{{field: "spec.volumes[0].emptyDir", prefix: "Forbidden: may not specify more than 1 volume type"}},
		},
		{
			name:   "emptyDir medium",
			mutate: func(p *v1.Pod) { p.Spec.Volumes[0].EmptyDir.Medium = v1.StorageMediumHugePages },
			want:   []wantError{{field: "spec.volumes[0].emptyDir.medium", prefix: `Unsupported value: "HugePages"`}},
		},
		{
			name: "hostPath",
			mutate: func(p *v1.Pod) {
				p.Spec.Volumes = append(p.Spec.Volumes,
					v1.Volume{Name: "rel", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "var/log"}}},
					v1.Volume{Name: "up", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/var/../etc"}}},
					v1.Volume{Name: "typ", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: "/x", Type: ptr(v1.HostPathType("Pipe"))}}},
				)
			},
			want: []wantError{
				{field: "spec.volumes[1].hostPath.path", prefix: `Invalid value: "var/log": must be an absolute path`},
				{field: "spec.volumes[2].hostPath.path", prefix: `Invalid value: "/var/../etc": must not contain '..'`},
				{field: "spec.volumes[3].hostPath.type", prefix: `Unsupported value: "Pipe"`},
			},
		},
		{
			name: "volume mounts",
			mutate: func(p *v1.Pod) {
				main0(p).VolumeMounts = append(main0(p).VolumeMounts,
					v1.VolumeMount{Name: "nope", MountPath: "/nope"},
					v1.VolumeMount{Name: "data", MountPath: "/data/"},
					v1.VolumeMount{Name: "data", MountPath: "/a", SubPath: "../etc"},
					v1.VolumeMount{Name: "data", MountPath: "/b", SubPath: "/etc"},
					v1.VolumeMount{Name: "data"},
				)
			},
			want: []wantError{
				{field: "spec.containers[0].volumeMounts[1].name", prefix: `Not found: "nope"`},
				{field: "spec.containers[0].volumeMounts[2].mountPath", prefix: `Invalid value: "/data/": must be unique`},
				{field: "spec.containers[0].volumeMounts[3].subPath", prefix: `Invalid value: "../etc": must not contain '..'`},
				{field: "spec.containers[0].volumeMounts[4].subPath", prefix: `Invalid value: "/etc": must be a relative path`},
				{field: "spec.containers[0].volumeMounts[5].mountPath", prefix: "Required value"},
			},
		},
		{
			name: "port names",
			mutate: func(p *v1.Pod) {
				main0(p).Ports = append(main0(p).Ports, v1.ContainerPort{Name: "http", ContainerPort: 81, Protocol: v1.ProtocolTCP},
					v1.ContainerPort{Name: "Not_Valid", ContainerPort: 82, Protocol: v1.ProtocolTCP})
			},
			want: []wantError{
				{field: "spec.containers[0].ports[1].name", prefix: `Duplicate value: "http"`},
				{field: "spec.containers[0].ports[2].name", prefix: `Invalid value: "Not_Valid"`},
			},
		},
		{
			name: "host port range and address",
			mutate: func(p *v1.Pod) {
				main0(p).Ports = []v1.ContainerPort{{ContainerPort: 80, HostPort: 70000, Protocol: v1.ProtocolTCP, HostIP: "localhost"}}
			},
			want: []wantError{
				{field: "spec.containers[0].ports[0].hostPort", prefix: "Invalid value: 70000"},
				{field: "spec.containers[0].ports[0].hostIP", prefix: `Invalid value: "localhost"`},
			},
		},
		{
			name: "host ports: wildcard conflicts with an address, protocols apart",
			mutate: func(p *v1.Pod) {
				main0(p).Ports = []v1.ContainerPort{
					{ContainerPort: 80, HostPort: 8080, Protocol: v1.ProtocolTCP, HostIP: "127.0.0.1"},
					{ContainerPort: 80, HostPort: 8080, Protocol: v1.ProtocolUDP},
					{ContainerPort: 81, HostPort: 8080, Protocol: v1.ProtocolTCP, HostIP: "0.0.0.0"},
					{ContainerPort: 82, HostPort: 8081, Protocol: v1.ProtocolTCP, HostIP: "127.0.0.1"},
					{ContainerPort: 82, HostPort: 8081, Protocol: v1.ProtocolTCP, HostIP: "127.0.0.2"},
				}
			},
			want: []wantError{{field: "spec.containers[0].ports[2].hostPort", prefix: `Duplicate value: "0.0.0.0:8080/TCP"`}},
		},
		{
			name: "host network needs hostPort == containerPort",
			mutate: func(p *v1.Pod) {
				p.Spec.HostNetwork = true
				main0(p).Ports[0].HostPort = 8080
			},
			want: []wantError{{field: "spec.containers[0].ports[0].hostPort", prefix: "Invalid value: 8080: must match `containerPort`"}},
		},
		{
			name: "probes",
			mutate: func(p *v1.Pod) {
				c := main0(p)
				c.LivenessProbe = probe(httpGet(intstr.FromString("metrics")))
				c.LivenessProbe.SuccessThreshold = 2
				c.ReadinessProbe = probe(v1.ProbeHandler{})
				c.StartupProbe = probe(httpGet(intstr.FromString("http")))
				c.StartupProbe.TCPSocket = &v1.TCPSocketAction{Port: intstr.FromInt32(80)}
			},
			want: []wantError{
				{field: "spec.containers[0].livenessProbe.httpGet.port", prefix: `Invalid value: "metrics": must be a port number or the name of a port of this container`},
				{field: "spec.containers[0].livenessProbe.successThreshold", prefix: "Invalid value: 2: must be 1"},
				{field: "spec.containers[0].readinessProbe", prefix: "Required value: must specify a handler type"},
				{field: "spec.containers[0].startupProbe.tcpSocket", prefix: "Forbidden: may not specify more than 1 handler type"},
			},
		},
		{
			name: "probe timings",
			mutate: func(p *v1.Pod) {
				c := main0(p)
				c.ReadinessProbe = probe(v1.ProbeHandler{TCPSocket: &v1.TCPSocketAction{Port: intstr.FromInt32(0)}})
				c.ReadinessProbe.PeriodSeconds = -1
				c.ReadinessProbe.SuccessThreshold = 3
			},
			want: []wantError{
				{field: "spec.containers[0].readinessProbe.tcpSocket.port", prefix: "Invalid value: 0"},
				{field: "spec.containers[0].readinessProbe.periodSeconds", prefix: "Invalid value: -1: must be greater than or equal to 1"},
			},
		},
		{
			name: "lifecycle hooks",
			mutate: func(p *v1.Pod) {
				main0(p).Lifecycle = &v1.Lifecycle{
					PostStart: &v1.LifecycleHandler{},
					PreStop:   &v1.LifecycleHandler{Sleep: &v1.SleepAction{Seconds: 5}, Exec: &v1.ExecAction{Command: []string{"x"}}},
				}
			},
			want: []wantError{
				{field: "spec.containers[0].lifecycle.postStart", prefix: "Required value: must specify a handler type"},
				{field: "spec.containers[0].lifecycle.preStop.sleep", prefix: "Forbidden: may not specify more than 1 handler type"},
			},
		},
		{
			name:   "volume devices",
			mutate: func(p *v1.Pod) { main0(p).VolumeDevices = []v1.VolumeDevice{{Name: "data", DevicePath: "/dev/x"}} },
			want:   []wantError{{field: "spec.containers[0].volumeDevices", prefix: "Forbidden: not supported by minikubelet yet"}},
		},
		{
			name:   "ephemeral containers",
			mutate: func(p *v1.Pod) { p.Spec.EphemeralContainers = []v1.EphemeralContainer{{}} },
			want:   []wantError{{field: "spec.ephemeralContainers", prefix: "Forbidden"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := validPod()
			tt.mutate(pod)
			assertFieldErrors(t, Validate(pod), tt.want)
		})
	}
}
