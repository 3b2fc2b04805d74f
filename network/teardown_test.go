package network

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
)

func TestTeardownIsIdempotent(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "netns-gone")
	tests := []struct {
		name       string
		netns      string
		setUpFirst bool
		wantNetns  string // what the plugins get
	}{
		{name: "never set up", netns: hostNetns, wantNetns: hostNetns},
		{name: "netns deleted", netns: missing, wantNetns: ""},
		{name: "no netns path", netns: "", wantNetns: ""},
		{name: "twice after setup", netns: hostNetns, setUpFirst: true, wantNetns: hostNetns},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCNI(t)
			m := f.manager(t, "fakenet")
			a := Attachment{SandboxID: "sb4", NetnsPath: tc.netns}
			if tc.setUpFirst {
				if _, err := m.Setup(context.Background(), a); err != nil {
					t.Fatalf("Setup: %v", err)
				}
			}
			for i := range 2 {
				if err := m.Teardown(context.Background(), a); err != nil {
					t.Fatalf("Teardown #%d: %v", i+1, err)
				}
			}
			var dels []string
			for _, c := range f.calls(t) {
				if strings.Contains(c, " DEL ") {
					dels = append(dels, c)
				}
			}
			one := []string{
				"fakenet DEL netns=" + tc.wantNetns + " if=eth0",
				"loopback DEL netns=" + tc.wantNetns + " if=lo",
			}
			if want := append(one, one...); !slices.Equal(dels, want) {
				t.Errorf("DEL calls:\n%s\nwant:\n%s", strings.Join(dels, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestTeardownJoinsErrors(t *testing.T) {
	f := newFakeCNI(t)
	m := f.manager(t, "faildel")
	err := m.Teardown(context.Background(), Attachment{SandboxID: "sb5", NetnsPath: hostNetns})
	if err == nil || !strings.Contains(err.Error(), "no del") || !strings.Contains(err.Error(), `network "fake"`) {
		t.Fatalf("Teardown error = %v, want the failed DEL of network \"fake\"", err)
	}
	if calls := f.calls(t); !slices.Contains(calls, "loopback DEL netns="+hostNetns+" if=lo") {
		t.Errorf("loopback not deleted after the main network failed: %v", calls)
	}
}

func TestNetnsForDelete(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale-pin")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{name: "empty", path: "", want: ""},
		{name: "missing", path: filepath.Join(dir, "nope"), want: ""},
		{name: "unmounted pin file", path: stale, want: ""},
		{name: "live netns", path: hostNetns, want: hostNetns},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := netnsForDelete(tc.path)
			if err != nil || got != tc.want {
				t.Errorf("netnsForDelete(%q) = %q, %v; want %q", tc.path, got, err, tc.want)
			}
		})
	}
}

func TestReady(t *testing.T) {
	f := newFakeCNI(t)
	t.Run("plugins present", func(t *testing.T) {
		if err := f.manager(t, "fakenet", "fakeport").Ready(context.Background()); err != nil {
			t.Errorf("Ready: %v", err)
		}
	})
	t.Run("plugin missing", func(t *testing.T) {
		err := f.manager(t, "fakenet", "nosuchplugin").Ready(context.Background())
		if err == nil || !strings.Contains(err.Error(), "nosuchplugin") {
			t.Errorf("Ready error = %v, want one naming nosuchplugin", err)
		}
	})
}

func TestUsesBridgeIPMasq(t *testing.T) {
	tests := []struct {
		name, conflist string
		want           bool
	}{
		{name: "bridge with ipMasq", conflist: `{"name":"n","plugins":[{"type":"bridge","ipMasq":true},{"type":"portmap"}]}`, want: true},
		{name: "bridge without ipMasq", conflist: `{"name":"n","plugins":[{"type":"bridge"}]}`},
		{name: "other plugin with ipMasq", conflist: `{"name":"n","plugins":[{"type":"ptp","ipMasq":true}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := libcni.NetworkConfFromBytes([]byte(tc.conflist))
			if err != nil {
				t.Fatal(err)
			}
			if got := usesBridgeIPMasq(list); got != tc.want {
				t.Errorf("usesBridgeIPMasq = %v, want %v", got, tc.want)
			}
		})
	}
}
