package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
)

func TestBuildSecurity(t *testing.T) {
	tests := []struct {
		name      string
		pod       *v1.PodSecurityContext
		c         *v1.SecurityContext
		imageUser string
		wantUser  string
		want      SecurityConfig
		wantErr   string
	}{
		{name: "nothing set: image user, runtime defaults", imageUser: "1000:1000", wantUser: "1000:1000",
			want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "pod runAsUser replaces the image's user and group", pod: &v1.PodSecurityContext{RunAsUser: ptrTo[int64](1000)},
			imageUser: "app:app", wantUser: "1000", want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "container overrides pod", pod: &v1.PodSecurityContext{RunAsUser: ptrTo[int64](1000), RunAsGroup: ptrTo[int64](1000)},
			c: &v1.SecurityContext{RunAsUser: ptrTo[int64](2000)}, wantUser: "2000:1000",
			want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "group alone keeps the image's user", c: &v1.SecurityContext{RunAsGroup: ptrTo[int64](5)}, imageUser: "nobody",
			wantUser: "nobody:5", want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "group alone without an image user runs as root in it", c: &v1.SecurityContext{RunAsGroup: ptrTo[int64](5)},
			wantUser: "0:5", want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "supplemental groups and fsGroup",
			pod:  &v1.PodSecurityContext{SupplementalGroups: []int64{10, 20}, FSGroup: ptrTo[int64](30)},
			want: SecurityConfig{SupplementalGroups: []uint32{10, 20, 30}, Seccomp: SeccompRuntimeDefault}},
		{name: "capabilities get the CAP_ prefix",
			c:    &v1.SecurityContext{Capabilities: &v1.Capabilities{Add: []v1.Capability{"net_admin"}, Drop: []v1.Capability{"ALL"}}},
			want: SecurityConfig{CapAdd: []string{"CAP_NET_ADMIN"}, CapDrop: []string{"ALL"}, Seccomp: SeccompRuntimeDefault}},
		{name: "privileged may escalate", c: &v1.SecurityContext{Privileged: ptrTo(true)},
			want: SecurityConfig{Privileged: true, AllowPrivilegeEscalation: ptrTo(true), Seccomp: SeccompRuntimeDefault}},
		{name: "read-only root, no escalation, unconfined",
			c: &v1.SecurityContext{ReadOnlyRootFilesystem: ptrTo(true), AllowPrivilegeEscalation: ptrTo(false),
				SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeUnconfined}},
			want: SecurityConfig{ReadOnlyRootfs: true, AllowPrivilegeEscalation: ptrTo(false), Seccomp: SeccompUnconfined}},
		{name: "pod seccomp localhost",
			pod:  &v1.PodSecurityContext{SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptrTo("p.json")}},
			want: SecurityConfig{Seccomp: SeccompLocalhost, SeccompProfileName: "p.json"}},
		{name: "localhost without a profile refused",
			c:       &v1.SecurityContext{SeccompProfile: &v1.SeccompProfile{Type: v1.SeccompProfileTypeLocalhost, LocalhostProfile: ptrTo("")}},
			wantErr: "localhostProfile is required"},
		{name: "runAsNonRoot, image without USER", pod: &v1.PodSecurityContext{RunAsNonRoot: ptrTo(true)},
			wantErr: "container has runAsNonRoot and image will run as root (pod: \"web_default(uid-1)\", container: app)"},
		{name: "runAsNonRoot, image USER 0", c: &v1.SecurityContext{RunAsNonRoot: ptrTo(true)}, imageUser: "0:0",
			wantErr: "container has runAsNonRoot and image will run as root"},
		{name: "runAsNonRoot, image user name", c: &v1.SecurityContext{RunAsNonRoot: ptrTo(true)}, imageUser: "nobody",
			wantErr: "image has non-numeric user (nobody)"},
		{name: "runAsNonRoot, runAsUser 0", c: &v1.SecurityContext{RunAsNonRoot: ptrTo(true), RunAsUser: ptrTo[int64](0)},
			wantErr: "container's runAsUser breaks non-root policy"},
		{name: "runAsNonRoot with a numeric image user", c: &v1.SecurityContext{RunAsNonRoot: ptrTo(true)}, imageUser: "65534",
			wantUser: "65534", want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "runAsNonRoot satisfied by runAsUser over a root image",
			pod:       &v1.PodSecurityContext{RunAsNonRoot: ptrTo(true), RunAsUser: ptrTo[int64](1000)},
			imageUser: "root", wantUser: "1000", want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
		{name: "container runAsNonRoot false overrides the pod's", pod: &v1.PodSecurityContext{RunAsNonRoot: ptrTo(true)},
			c: &v1.SecurityContext{RunAsNonRoot: ptrTo(false)}, want: SecurityConfig{Seccomp: SeccompRuntimeDefault}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &v1.Pod{}
			pod.Name, pod.Namespace, pod.UID = "web", "default", "uid-1"
			pod.Spec.SecurityContext = tt.pod
			c := &v1.Container{Name: "app", SecurityContext: tt.c}
			user, sec, err := buildSecurity(pod, c, ImageInfo{User: tt.imageUser})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if user != tt.wantUser {
				t.Errorf("user = %q, want %q", user, tt.wantUser)
			}
			if len(sec.CapAdd) == 0 {
				sec.CapAdd = nil
			}
			if len(sec.CapDrop) == 0 {
				sec.CapDrop = nil
			}
			if !reflect.DeepEqual(sec, tt.want) {
				t.Errorf("security = %+v, want %+v", sec, tt.want)
			}
		})
	}
}

func TestLoadSeccompProfile(t *testing.T) {
	root := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good.json", `{"defaultAction":"SCMP_ACT_ERRNO"}`)
	write("empty.json", "")
	write("blank.json", "{}")
	tests := []struct {
		name, profile, root, wantErr string
	}{
		{name: "good", profile: "good.json", root: root},
		{name: "empty file (CVE-2023-2431)", profile: "empty.json", root: root, wantErr: "not a seccomp profile"},
		{name: "no defaultAction", profile: "blank.json", root: root, wantErr: "is empty"},
		{name: "missing", profile: "nope.json", root: root, wantErr: "no such file"},
		{name: "escape stays under the root", profile: "../../etc/passwd", root: root, wantErr: "no such file"},
		{name: "no root", profile: "good.json", wantErr: "no seccomp profile root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := SecurityConfig{Seccomp: SeccompLocalhost, SeccompProfileName: tt.profile}
			err := loadSeccompProfile(tt.root, &sec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(sec.SeccompProfileJSON) == 0 || sec.SeccompProfilePath != filepath.Join(root, "good.json") {
				t.Fatalf("err %v, sec %+v", err, sec)
			}
		})
	}
}
