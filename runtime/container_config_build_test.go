package runtime

import (
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"

	"github.com/minikubelet/minikubelet/cgroups"
)

func TestContainerArgs(t *testing.T) {
	img := ImageInfo{Entrypoint: []string{"/entry", "--flag"}, Cmd: []string{"serve", "--port=80"}}
	tests := []struct {
		name    string
		command []string
		args    []string
		image   ImageInfo
		want    []string
	}{
		{name: "neither: Entrypoint then Cmd", image: img, want: []string{"/entry", "--flag", "serve", "--port=80"}},
		{name: "neither, image without Entrypoint: Cmd", image: ImageInfo{Cmd: []string{"sh"}}, want: []string{"sh"}},
		{name: "neither, empty image", image: ImageInfo{}, want: []string{}},
		{name: "command only: replaces Entrypoint and drops Cmd", command: []string{"/bin/app"}, image: img,
			want: []string{"/bin/app"}},
		{name: "args only: Entrypoint then args", args: []string{"run", "-v"}, image: img,
			want: []string{"/entry", "--flag", "run", "-v"}},
		{name: "args only, image without Entrypoint: args alone", args: []string{"echo", "hi"},
			image: ImageInfo{Cmd: []string{"sh"}}, want: []string{"echo", "hi"}},
		{name: "both: command then args, image ignored", command: []string{"sh", "-c"}, args: []string{"echo hi"}, image: img,
			want: []string{"sh", "-c", "echo hi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &v1.Container{Name: "c", Command: tc.command, Args: tc.args}
			got := containerArgs(c, tc.image)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("containerArgs = %q, want %q", got, tc.want)
			}
			// The result is a fresh slice: expanding it must not write into the spec or the image.
			if len(got) > 0 {
				got[0] = "changed"
				if (len(c.Command) > 0 && c.Command[0] == "changed") || (len(tc.image.Entrypoint) > 0 && tc.image.Entrypoint[0] == "changed") ||
					(len(tc.image.Cmd) > 0 && tc.image.Cmd[0] == "changed") || (len(c.Args) > 0 && c.Args[0] == "changed") {
					t.Error("containerArgs shares its backing array with the spec or the image")
				}
			}
		})
	}
}

// envPod is a pod with downward-API-worthy fields, for the env tests.
func envPod() *v1.Pod {
	pod := basePod()
	pod.Labels = map[string]string{"app": "web", "tier": "front"}
	pod.Annotations = map[string]string{"owner": "team-a"}
	pod.Spec.ServiceAccountName = "builder"
	return pod
}

func fieldEnv(name, path string) v1.EnvVar {
	return v1.EnvVar{Name: name, ValueFrom: &v1.EnvVarSource{FieldRef: &v1.ObjectFieldSelector{FieldPath: path}}}
}

func envInputs(c *v1.Container) containerInputs {
	return containerInputs{
		pod: envPod(), c: c, kind: KindMain,
		sandbox:  &SandboxStatus{ID: "sb1", Pid: 42, IPs: []string{"10.66.0.2", "fd00::2"}},
		nodeName: "node-1", hostIPs: []string{"192.168.1.10", "fd00::10"},
	}
}

func TestContainerEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     []v1.EnvVar
		want    []string
		wantErr string
	}{
		{name: "none"},
		{name: "plain values in order", env: []v1.EnvVar{{Name: "B", Value: "2"}, {Name: "A", Value: "1"}},
			want: []string{"B=2", "A=1"}},
		{name: "a value refers to an earlier one",
			env:  []v1.EnvVar{{Name: "HOST", Value: "db"}, {Name: "URL", Value: "postgres://$(HOST):5432"}},
			want: []string{"HOST=db", "URL=postgres://db:5432"}},
		{name: "a later one is not yet defined",
			env:  []v1.EnvVar{{Name: "URL", Value: "http://$(HOST)"}, {Name: "HOST", Value: "db"}},
			want: []string{"URL=http://$(HOST)", "HOST=db"}},
		{name: "escaped and unknown references stay",
			env:  []v1.EnvVar{{Name: "A", Value: "x"}, {Name: "B", Value: "$$(A) $(NOPE) $(A)"}},
			want: []string{"A=x", "B=$(A) $(NOPE) x"}},
		{name: "a value can build on a fieldRef",
			env:  []v1.EnvVar{fieldEnv("POD", "metadata.name"), {Name: "FQDN", Value: "$(POD).$(NS).svc"}, fieldEnv("NS", "metadata.namespace")},
			want: []string{"POD=web", "FQDN=web.$(NS).svc", "NS=default"}},
		{
			name: "every supported fieldRef",
			env: []v1.EnvVar{
				fieldEnv("NAME", "metadata.name"),
				fieldEnv("NAMESPACE", "metadata.namespace"),
				fieldEnv("UID", "metadata.uid"),
				fieldEnv("APP", "metadata.labels['app']"),
				fieldEnv("MISSING_LABEL", "metadata.labels['nope']"),
				fieldEnv("OWNER", "metadata.annotations['owner']"),
				fieldEnv("NODE", "spec.nodeName"),
				fieldEnv("SA", "spec.serviceAccountName"),
				fieldEnv("POD_IP", "status.podIP"),
				fieldEnv("POD_IPS", "status.podIPs"),
				fieldEnv("HOST_IP", "status.hostIP"),
				fieldEnv("HOST_IPS", "status.hostIPs"),
			},
			want: []string{
				"NAME=web", "NAMESPACE=default", "UID=uid-1", "APP=web", "MISSING_LABEL=", "OWNER=team-a",
				"NODE=node-1", "SA=builder", "POD_IP=10.66.0.2", "POD_IPS=10.66.0.2,fd00::2",
				"HOST_IP=192.168.1.10", "HOST_IPS=192.168.1.10,fd00::10",
			},
		},
		{name: "a fieldRef value is not expanded",
			env:  []v1.EnvVar{{Name: "A", Value: "x"}, fieldEnv("OWNER", "metadata.annotations['owner']")},
			want: []string{"A=x", "OWNER=team-a"}},
		{name: "unsupported fieldRef", env: []v1.EnvVar{{Name: "A", Value: "1"}, fieldEnv("HN", "spec.hostname")},
			wantErr: `env[1] (HN): fieldRef "spec.hostname" is not supported`},
		{name: "a label selector without quotes is unsupported", env: []v1.EnvVar{fieldEnv("APP", "metadata.labels[app]")},
			wantErr: "is not supported"},
		{name: "other valueFrom sources are refused",
			env:     []v1.EnvVar{{Name: "PW", ValueFrom: &v1.EnvVarSource{SecretKeyRef: &v1.SecretKeySelector{Key: "pw"}}}},
			wantErr: "env[0] (PW): only fieldRef is supported in valueFrom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := containerEnv(envInputs(&v1.Container{Name: "c", Env: tc.env}))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("containerEnv error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("containerEnv: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("containerEnv =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestContainerEnvWithoutIPs(t *testing.T) {
	in := envInputs(&v1.Container{Name: "c", Env: []v1.EnvVar{
		fieldEnv("POD_IP", "status.podIP"), fieldEnv("HOST_IP", "status.hostIP"),
	}})
	in.sandbox.IPs, in.hostIPs = nil, nil
	got, err := containerEnv(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"POD_IP=", "HOST_IP="}; !reflect.DeepEqual(got, want) {
		t.Errorf("containerEnv = %q, want %q", got, want)
	}
}

// firstEnvValue is what a process sees: glibc's getenv and Go's os.Getenv return the first KEY= entry.
func firstEnvValue(env []string, key string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v, true
		}
	}
	return "", false
}

func TestBuildContainerConfig(t *testing.T) {
	grace := int64(5)
	share := true
	image := ImageInfo{
		Name: "docker.io/library/app:1", ID: "docker.io/library/app@sha256:abc",
		Entrypoint: []string{"/app"}, Cmd: []string{"--default"},
		Env:        []string{"PATH=/usr/bin:/bin", "IMAGE_ONLY=1"},
		WorkingDir: "/srv", User: "1000:1000", StopSignal: "SIGQUIT",
	}
	tests := []struct {
		name    string
		pod     func(*v1.Pod)
		c       v1.Container
		image   *ImageInfo // nil: image above
		check   func(t *testing.T, cfg ContainerConfig)
		wantErr string
	}{
		{
			name: "identity, namespaces and passthrough fields",
			pod: func(p *v1.Pod) {
				p.Spec.TerminationGracePeriodSeconds = &grace
				p.Spec.HostIPC = true
				p.Spec.ShareProcessNamespace = &share
			},
			c: v1.Container{Name: "server", Image: "app:1"},
			check: func(t *testing.T, cfg ContainerConfig) {
				want := ContainerConfig{
					Pod: PodRef{UID: "uid-1", Name: "web", Namespace: "default"}, Name: "server", Kind: KindMain, Attempt: 2,
					GracePeriod: 5, SandboxID: "sb1", SandboxPid: 42, HostIPC: true, ShareProcessNamespace: true,
					Image: image, Args: []string{"/app", "--default"}, Env: []string{"PATH=/usr/bin:/bin", "IMAGE_ONLY=1"},
					WorkingDir: "/srv", User: "1000:1000", StopSignal: "SIGQUIT",
					Mounts:      []Mount{{HostPath: "/h", ContainerPath: "/c"}},
					LogPath:     "/var/log/pods/default_web_uid-1/server/2.log",
					Resources:   cgroups.Resources{CPUShares: cgroups.MinShares},
					Security:    SecurityConfig{Seccomp: SeccompRuntimeDefault},
					OOMScoreAdj: 1000, // BestEffort
				}
				if cfg.Hash == "" {
					t.Error("empty Hash")
				}
				cfg.Hash = ""
				if !reflect.DeepEqual(cfg, want) {
					t.Errorf("config =\n%+v\nwant\n%+v", cfg, want)
				}
			},
		},
		{
			name: "default grace period and host namespaces",
			pod:  func(p *v1.Pod) { p.Spec.HostNetwork, p.Spec.HostPID = true, true },
			c:    v1.Container{Name: "server"},
			check: func(t *testing.T, cfg ContainerConfig) {
				if cfg.GracePeriod != 30 || !cfg.HostNetwork || !cfg.HostPID || cfg.HostIPC || cfg.ShareProcessNamespace {
					t.Errorf("grace %d hostNetwork %v hostPID %v hostIPC %v share %v", cfg.GracePeriod, cfg.HostNetwork,
						cfg.HostPID, cfg.HostIPC, cfg.ShareProcessNamespace)
				}
			},
		},
		{
			name: "$(VAR) in command and args expanded from the container env",
			c: v1.Container{Name: "server",
				Command: []string{"/bin/$(BIN)"},
				Args:    []string{"--name=$(POD)", "$$(POD)", "$(IMAGE_ONLY)", "$(UNSET)"},
				Env:     []v1.EnvVar{{Name: "BIN", Value: "app"}, fieldEnv("POD", "metadata.name")}},
			check: func(t *testing.T, cfg ContainerConfig) {
				want := []string{"/bin/app", "--name=web", "$(POD)", "$(IMAGE_ONLY)", "$(UNSET)"}
				if !reflect.DeepEqual(cfg.Args, want) {
					t.Errorf("args %q, want %q (image env does not take part in expansion)", cfg.Args, want)
				}
			},
		},
		{
			name: "image env before pod env",
			c:    v1.Container{Name: "server", Env: []v1.EnvVar{{Name: "MODE", Value: "prod"}}},
			check: func(t *testing.T, cfg ContainerConfig) {
				want := []string{"PATH=/usr/bin:/bin", "IMAGE_ONLY=1", "MODE=prod"}
				if !reflect.DeepEqual(cfg.Env, want) {
					t.Errorf("env %q, want %q", cfg.Env, want)
				}
			},
		},
		{
			name: "workingDir from the container wins over the image's",
			c:    v1.Container{Name: "server", WorkingDir: "/work"},
			check: func(t *testing.T, cfg ContainerConfig) {
				if cfg.WorkingDir != "/work" {
					t.Errorf("workingDir %q, want /work", cfg.WorkingDir)
				}
			},
		},
		{
			name:  "no workingDir anywhere",
			c:     v1.Container{Name: "server"},
			image: &ImageInfo{Cmd: []string{"sh"}},
			check: func(t *testing.T, cfg ContainerConfig) {
				if cfg.WorkingDir != "" {
					t.Errorf("workingDir %q, want empty (the runtime picks /)", cfg.WorkingDir)
				}
			},
		},
		{
			name:    "an env error fails the build",
			c:       v1.Container{Name: "server", Env: []v1.EnvVar{fieldEnv("X", "spec.nope")}},
			wantErr: `env[0] (X): fieldRef "spec.nope" is not supported`,
		},
		{
			name:  "the image's Cmd is not expanded",
			c:     v1.Container{Name: "server", Env: []v1.EnvVar{{Name: "HOME", Value: "/root"}}},
			image: &ImageInfo{Entrypoint: []string{"sh", "-c"}, Cmd: []string{"echo $$ > /run/pid; exec app --home=$(HOME)"}},
			check: func(t *testing.T, cfg ContainerConfig) {
				want := []string{"sh", "-c", "echo $$ > /run/pid; exec app --home=$(HOME)"}
				if !reflect.DeepEqual(cfg.Args, want) {
					t.Errorf("args %q, want the image's Entrypoint and Cmd untouched %q", cfg.Args, want)
				}
			},
		},
		{
			name: "pod env overrides image env of the same name",
			c:    v1.Container{Name: "server", Env: []v1.EnvVar{{Name: "IMAGE_ONLY", Value: "2"}}},
			check: func(t *testing.T, cfg ContainerConfig) {
				if got, _ := firstEnvValue(cfg.Env, "IMAGE_ONLY"); got != "2" {
					t.Errorf("the process sees IMAGE_ONLY=%q, want 2 (env %q)", got, cfg.Env)
				}
			},
		},
		{
			name: "a pod env name given twice: the last one wins",
			c:    v1.Container{Name: "server", Env: []v1.EnvVar{{Name: "LEVEL", Value: "debug"}, {Name: "LEVEL", Value: "info"}}},
			check: func(t *testing.T, cfg ContainerConfig) {
				if got, _ := firstEnvValue(cfg.Env, "LEVEL"); got != "info" {
					t.Errorf("the process sees LEVEL=%q, want info (env %q)", got, cfg.Env)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := basePod()
			if tc.pod != nil {
				tc.pod(pod)
			}
			img := image
			if tc.image != nil {
				img = *tc.image
			}
			c := tc.c
			cfg, err := buildContainerConfig(containerInputs{
				pod: pod, c: &c, kind: KindMain, attempt: 2, sandbox: readySandbox(), image: img,
				mounts:  []Mount{{HostPath: "/h", ContainerPath: "/c"}},
				logPath: logPath("/var/log/pods", pod, c.Name, 2), nodeName: "node-1",
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("buildContainerConfig error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("buildContainerConfig: %v", err)
			}
			tc.check(t, cfg)
		})
	}
}

func TestContainerHash(t *testing.T) {
	base := v1.Container{Name: "c", Image: "busybox:1", Command: []string{"sleep", "1"}}
	tests := []struct {
		name   string
		change func(*v1.Container)
		same   bool
	}{
		{name: "identical", change: func(*v1.Container) {}, same: true},
		{name: "image changed", change: func(c *v1.Container) { c.Image = "busybox:2" }},
		{name: "command changed", change: func(c *v1.Container) { c.Command = []string{"sleep", "2"} }},
		{name: "env added", change: func(c *v1.Container) { c.Env = []v1.EnvVar{{Name: "A", Value: "1"}} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			other := *base.DeepCopy()
			tc.change(&other)
			h1, h2 := containerHash(&base), containerHash(&other)
			if h1 == "" || len(h1) != 16 {
				t.Fatalf("hash %q, want 16 hex characters", h1)
			}
			if (h1 == h2) != tc.same {
				t.Errorf("hash %s vs %s, want same=%v", h1, h2, tc.same)
			}
		})
	}
}

func TestContainerMounts(t *testing.T) {
	sandboxFiles := []Mount{
		{HostPath: "/sb/hosts", ContainerPath: "/etc/hosts"},
		{HostPath: "/sb/hostname", ContainerPath: "/etc/hostname"},
		{HostPath: "/sb/resolv.conf", ContainerPath: "/etc/resolv.conf"},
		{HostPath: "/sb/shm", ContainerPath: "/dev/shm"},
	}
	tests := []struct {
		name    string
		volumes []Mount
		want    []string // container paths, in order
	}{
		{name: "no volumes: the sandbox's files",
			want: []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm"}},
		{name: "volumes after the sandbox's files",
			volumes: []Mount{{HostPath: "/v/data", ContainerPath: "/data"}},
			want:    []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/data"}},
		{name: "a volume over /etc/hosts drops the sandbox's hosts file",
			volumes: []Mount{{HostPath: "/v/hosts", ContainerPath: "/etc/hosts"}},
			want:    []string{"/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/etc/hosts"}},
		{name: "an unclean path over /etc/hosts counts too",
			volumes: []Mount{{HostPath: "/v/hosts", ContainerPath: "/etc//hosts/"}},
			want:    []string{"/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/etc//hosts/"}},
		{name: "a volume over /etc/resolv.conf and /dev/shm",
			volumes: []Mount{{HostPath: "/v/r", ContainerPath: "/etc/resolv.conf"}, {HostPath: "/v/shm", ContainerPath: "/dev/shm"}},
			want:    []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm"}},
		{name: "a volume on /etc does not drop the files below it",
			volumes: []Mount{{HostPath: "/v/etc", ContainerPath: "/etc"}},
			want:    []string{"/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/shm", "/etc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := containerMounts(sandboxFiles, tc.volumes)
			var paths []string
			for _, m := range got {
				paths = append(paths, m.ContainerPath)
			}
			if !reflect.DeepEqual(paths, tc.want) {
				t.Errorf("container paths %q, want %q", paths, tc.want)
			}
			for _, m := range got {
				if m.ContainerPath == "/etc/hosts" && len(tc.volumes) > 0 && tc.volumes[0].ContainerPath == "/etc/hosts" && m.HostPath != "/v/hosts" {
					t.Errorf("/etc/hosts comes from %s, want the volume", m.HostPath)
				}
			}
		})
	}
}

func TestLogPath(t *testing.T) {
	pod := basePod()
	tests := []struct {
		name      string
		dir       string
		container string
		attempt   int
		want      string
	}{
		{name: "first run", dir: "/var/log/pods", container: "server", attempt: 0,
			want: "/var/log/pods/default_web_uid-1/server/0.log"},
		{name: "restart count in the name", dir: "/var/log/pods", container: "init-a", attempt: 12,
			want: "/var/log/pods/default_web_uid-1/init-a/12.log"},
		{name: "other root, trailing slash", dir: "/tmp/logs/", container: "server", attempt: 1,
			want: "/tmp/logs/default_web_uid-1/server/1.log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := logPath(tc.dir, pod, tc.container, tc.attempt); got != tc.want {
				t.Errorf("logPath = %q, want %q", got, tc.want)
			}
		})
	}
}
