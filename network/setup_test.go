package network

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// hostNetns is a path that is a network namespace and needs no root: the
// fake plugins never enter it.
const hostNetns = "/proc/self/ns/net"

func TestSetupAndTeardownRunThePlugins(t *testing.T) {
	f := newFakeCNI(t)
	m := f.manager(t, "fakenet", "fakeport")
	a := Attachment{
		SandboxID: "sb1", NetnsPath: hostNetns,
		PodName: "web", PodNamespace: "shop", PodUID: "uid-1",
		PortMappings: []PortMapping{
			{HostPort: 8080, ContainerPort: 80, Protocol: "TCP"},
			{ContainerPort: 9090, Protocol: "tcp"}, // no hostPort: not published
			{HostPort: 5353, ContainerPort: 53, Protocol: "udp", HostIP: "127.0.0.1"},
		},
	}

	res, err := m.Setup(context.Background(), a)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if got, want := ipStrings(res.IPs), []string{"10.9.0.5", "fd00::5"}; !slices.Equal(got, want) {
		t.Errorf("Setup IPs = %v, want %v (eth0 only, IPv4 first)", got, want)
	}
	wantAdd := []string{
		"loopback ADD netns=" + hostNetns + " if=lo",
		"fakenet ADD netns=" + hostNetns + " if=eth0",
		"fakeport ADD netns=" + hostNetns + " if=eth0",
	}
	if got := f.calls(t); !slices.Equal(got, wantAdd) {
		t.Errorf("calls after Setup:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantAdd, "\n"))
	}
	wantArgs := "IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=sb1;K8S_POD_UID=uid-1"
	if got := f.args(t); got != wantArgs {
		t.Errorf("CNI_ARGS = %q, want %q", got, wantArgs)
	}
	wantPorts := `"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}]}`
	if got := f.stdin(t, "fakeport", "ADD"); !strings.Contains(got, wantPorts) {
		t.Errorf("portmap stdin %s\nlacks %s", got, wantPorts)
	}
	if got := f.stdin(t, "fakenet", "ADD"); strings.Contains(got, "runtimeConfig") {
		t.Errorf("plugin without the capability got runtimeConfig: %s", got)
	}

	if err := m.Teardown(context.Background(), a); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	wantDel := []string{
		"fakeport DEL netns=" + hostNetns + " if=eth0",
		"fakenet DEL netns=" + hostNetns + " if=eth0",
		"loopback DEL netns=" + hostNetns + " if=lo",
	}
	if got := f.calls(t)[len(wantAdd):]; !slices.Equal(got, wantDel) {
		t.Errorf("calls of Teardown:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantDel, "\n"))
	}
	// DEL gets the cached ADD result as prevResult.
	if got := f.stdin(t, "fakenet", "DEL"); !strings.Contains(got, `"prevResult"`) || !strings.Contains(got, "10.9.0.5/24") {
		t.Errorf("DEL stdin lacks the cached prevResult: %s", got)
	}
}

func TestSetupRollsBackOnFailure(t *testing.T) {
	tests := []struct {
		name    string
		plugins []string
		cancel  bool          // cancel ctx once the hang plugin runs
		timeout time.Duration // the Manager's setup timeout, if not the default
		wantIs  error
		wantErr string
		wantDel []string
	}{
		{
			name:    "plugin fails",
			plugins: []string{"fakenet", "failnet"},
			wantErr: "boom",
			wantDel: []string{"failnet DEL", "fakenet DEL", "loopback DEL"},
		},
		{
			name:    "hung plugin cancelled by ctx",
			plugins: []string{"hang"},
			cancel:  true,
			wantIs:  context.Canceled,
			wantErr: `network "fake"`,
			wantDel: []string{"hang DEL", "loopback DEL"},
		},
		{
			name:    "hung plugin killed at the setup timeout",
			plugins: []string{"hang"},
			timeout: 300 * time.Millisecond,
			wantIs:  context.DeadlineExceeded,
			wantErr: "CNI ADD timed out after 300ms",
			wantDel: []string{"hang DEL", "loopback DEL"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCNI(t)
			m := f.manager(t, tc.plugins...)
			if tc.timeout > 0 {
				m.timeout = tc.timeout
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			if tc.cancel {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer cancel()
					if !pollFor(ctx, func() bool { return fileExists(filepath.Join(f.logDir, "hang.started")) }) {
						t.Error("hang plugin never started")
					}
				}()
			}
			_, err := m.Setup(ctx, Attachment{SandboxID: "sb2", NetnsPath: hostNetns})
			cancel()
			wg.Wait()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Setup error = %v, want one containing %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Setup error = %v, want errors.Is %v", err, tc.wantIs)
			}
			var dels []string
			for _, c := range f.calls(t) {
				if name, rest, _ := strings.Cut(c, " "); strings.HasPrefix(rest, "DEL") {
					dels = append(dels, name+" DEL")
				}
			}
			if !slices.Equal(dels, tc.wantDel) {
				t.Errorf("rollback DELs = %v, want %v", dels, tc.wantDel)
			}
		})
	}
}

func TestSetupRefusesBadAttachment(t *testing.T) {
	f := newFakeCNI(t)
	m := f.manager(t, "fakenet")
	tests := []struct {
		name string
		a    Attachment
	}{
		{name: "no sandbox ID", a: Attachment{NetnsPath: hostNetns}},
		{name: "no netns", a: Attachment{SandboxID: "sb3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.Setup(context.Background(), tc.a); err == nil {
				t.Fatal("Setup succeeded")
			}
			if calls := f.calls(t); len(calls) != 0 {
				t.Errorf("plugins ran: %v", calls)
			}
		})
	}
}

func TestSetupConcurrentSandboxes(t *testing.T) {
	f := newFakeCNI(t)
	m := f.manager(t, "fakenet", "fakeport")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := Attachment{SandboxID: "sb-" + string(rune('a'+i)), NetnsPath: hostNetns,
				PortMappings: []PortMapping{{HostPort: int32(8000 + i), ContainerPort: 80}}}
			if _, err := m.Setup(context.Background(), a); err != nil {
				errs <- err
				return
			}
			errs <- m.Teardown(context.Background(), a)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestPodIPs(t *testing.T) {
	idx := func(i int) *int { return &i }
	ipc := func(cidr string, iface *int) *current.IPConfig {
		ip, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return &current.IPConfig{Address: *n, Interface: iface}
	}
	host := &current.Interface{Name: "mkl0"}
	eth0 := &current.Interface{Name: "eth0", Sandbox: "/run/netns/x"}
	tests := []struct {
		name    string
		result  types.Result
		want    []string
		wantErr bool
	}{
		{
			name:   "eth0 IPs, IPv4 first, host side skipped",
			result: &current.Result{CNIVersion: "1.0.0", Interfaces: []*current.Interface{host, eth0}, IPs: []*current.IPConfig{ipc("fd00::2/64", idx(1)), ipc("10.66.0.1/16", idx(0)), ipc("10.66.0.2/16", idx(1))}},
			want:   []string{"10.66.0.2", "fd00::2"},
		},
		{
			name:   "IP without interface is the pod's",
			result: &current.Result{CNIVersion: "1.0.0", IPs: []*current.IPConfig{ipc("10.66.0.3/16", nil)}},
			want:   []string{"10.66.0.3"},
		},
		{
			name:   "same-named interface outside the sandbox skipped",
			result: &current.Result{CNIVersion: "1.0.0", Interfaces: []*current.Interface{{Name: "eth0"}}, IPs: []*current.IPConfig{ipc("10.66.0.4/16", idx(0))}},
		},
		{
			name:    "IP without an address refused",
			result:  &current.Result{CNIVersion: "1.0.0", Interfaces: []*current.Interface{eth0}, IPs: []*current.IPConfig{{Interface: idx(0)}}},
			wantErr: true,
		},
		{
			name:    "interface index out of range",
			result:  &current.Result{CNIVersion: "1.0.0", Interfaces: []*current.Interface{eth0}, IPs: []*current.IPConfig{ipc("10.66.0.5/16", idx(3))}},
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ips, err := podIPs(tc.result, "eth0")
			if (err != nil) != tc.wantErr {
				t.Fatalf("podIPs error = %v, want error %v", err, tc.wantErr)
			}
			if got := ipStrings(ips); !slices.Equal(got, tc.want) {
				t.Errorf("podIPs = %v, want %v", got, tc.want)
			}
		})
	}
}

func ipStrings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pollFor polls cond until it holds, ctx ends or 30 s pass.
func pollFor(ctx context.Context, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, testenv.Scaled(30*time.Second))
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-ctx.Done():
			return cond()
		case <-tick.C:
		}
	}
}
