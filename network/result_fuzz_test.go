package network

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/version"

	"github.com/minikubelet/minikubelet/test/testenv"
)

// FuzzCNIResult answers the main network's ADD with arbitrary bytes and runs Setup through libcni's
// own result parsing (version detection and conversion, the result cache) and podIPs. It checks:
// no panic; a Setup that succeeds gives at least one IP, each a well-formed IPv4 or IPv6 address,
// IPv4 first; a Setup that fails has run DEL on both networks (its rollback), and one that succeeds
// has run none.
func FuzzCNIResult(f *testing.F) {
	f.Add([]byte(`{"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"/x"}],"ips":[{"address":"fd00::5/64","interface":1},{"address":"10.9.0.1/24","interface":0},{"address":"10.9.0.5/24","interface":1}]}`))
	f.Add([]byte(`{"cniVersion":"0.3.1","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"version":"4","address":"10.9.0.5/24","interface":0}]}`))
	f.Add([]byte(`{"cniVersion":"0.2.0","ip4":{"ip":"10.9.0.5/24"},"ip6":{"ip":"fd00::5/64"}}`))
	f.Add([]byte(`{"ips":[{"address":"10.9.0.5/24"}]}`))
	f.Add([]byte(`{"cniVersion":"1.0.0","ips":[{"address":"10.9.0.5/24","interface":-1}]}`))
	f.Add([]byte(`{"cniVersion":"1.0.0","ips":[{}]}`))
	f.Add([]byte(`{"cniVersion":"1.0.0","code":7,"msg":"no"}`))
	f.Add([]byte(`{"cniVersion":"9.9.9"}`))
	f.Add([]byte(`not json`))

	f.Fuzz(func(t *testing.T, result []byte) {
		exec := &resultExec{result: result}
		m := fuzzManager(t, exec)
		a := Attachment{SandboxID: "sb1", NetnsPath: filepath.Join(t.TempDir(), "netns"), PodName: "p", PodNamespace: "default", PodUID: "u"}
		res, err := m.Setup(context.Background(), a)
		dels := exec.count("DEL")
		if err != nil {
			if dels != 2 {
				t.Fatalf("Setup failed (%v) and ran %d DELs, want 2 (rollback of both networks)", err, dels)
			}
			return
		}
		if dels != 0 {
			t.Fatalf("Setup succeeded and ran %d DELs", dels)
		}
		if len(res.IPs) == 0 {
			t.Fatal("Setup succeeded without an IP")
		}
		seenV6 := false
		for _, ip := range res.IPs {
			switch {
			case len(ip) == 4 && !seenV6:
			case len(ip) == 16 && ip.To4() == nil:
				seenV6 = true
			default:
				t.Fatalf("Setup gave IPs %v: %q is not an IPv4 address before the IPv6 ones, nor an IPv6 one", res.IPs, []byte(ip))
			}
		}
	})
}

// resultExec plays the CNI plugins for libcni: loopback and DEL succeed, VERSION lists the usual
// versions, and the main network's ADD prints result. It records the commands run.
type resultExec struct {
	result   []byte
	commands []string
}

func (e *resultExec) ExecPlugin(_ context.Context, pluginPath string, _ []byte, environ []string) ([]byte, error) {
	var command, netns string
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "CNI_COMMAND="); ok {
			command = v
		}
		if v, ok := strings.CutPrefix(kv, "CNI_NETNS="); ok {
			netns = v
		}
	}
	e.commands = append(e.commands, command)
	switch {
	case command == "VERSION":
		return []byte(`{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}`), nil
	case command == "ADD" && filepath.Base(pluginPath) == "loopback":
		lo, err := json.Marshal(map[string]any{"cniVersion": "1.0.0",
			"interfaces": []any{map[string]string{"name": "lo", "sandbox": netns}},
			"ips":        []any{map[string]any{"address": "127.0.0.1/8", "interface": 0}}})
		return lo, err
	case command == "ADD":
		return e.result, nil
	}
	return nil, nil
}

func (e *resultExec) FindInPath(plugin string, _ []string) (string, error) {
	return filepath.Join("/fuzz", plugin), nil
}

func (e *resultExec) Decode(data []byte) (version.PluginInfo, error) {
	var d version.PluginDecoder
	return d.Decode(data)
}

func (e *resultExec) count(command string) int {
	return len(slices.DeleteFunc(slices.Clone(e.commands), func(c string) bool { return c != command }))
}

// fuzzManager is a Manager whose plugins are exec's: the loopback network and a one-plugin main
// network, with libcni's cache in a temporary directory in memory.
func fuzzManager(t *testing.T, exec *resultExec) *Manager {
	t.Helper()
	list, err := libcni.ConfListFromBytes([]byte(`{"cniVersion":"1.0.0","name":"fuzz","plugins":[{"type":"fuzznet"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	loopback, err := loopbackConfList()
	if err != nil {
		t.Fatal(err)
	}
	return &Manager{
		log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		cni:      libcni.NewCNIConfigWithCacheDir([]string{"/fuzz"}, testenv.MemTempDir(t), exec),
		network:  list,
		loopback: loopback,
	}
}
