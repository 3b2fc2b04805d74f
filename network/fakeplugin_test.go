package network

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Fake CNI plugins: shell scripts that record each call in a log and answer
// with canned results. They test the Manager's orchestration (order, args,
// rollback, cancellation) without root; the e2e test runs the real plugins.
//
//	loopback  ADD: lo result;  DEL: ok
//	fakenet   ADD: eth0 result (10.9.0.5, fd00::5; the host side 10.9.0.1);  DEL: ok
//	fakeport  ADD: same result as fakenet, stdin kept;  DEL: ok
//	failnet   ADD: CNI error "boom";  DEL: ok
//	faildel   ADD: like fakenet;  DEL: CNI error "no del"
//	hang      ADD: touch hang.started, then block until killed;  DEL: ok
const fakePluginScript = `#!/bin/sh
name=$(basename "$0")
logdir=%q
stdin=$(cat)
if [ "$CNI_COMMAND" = VERSION ]; then
	echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]}'
	exit 0
fi
echo "$name $CNI_COMMAND netns=$CNI_NETNS if=$CNI_IFNAME args=$CNI_ARGS" >> "$logdir/calls"
printf '%%s' "$stdin" > "$logdir/$name.$CNI_COMMAND.stdin"
podresult() {
	printf '{"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"eth0","sandbox":"%%s"}],"ips":[{"address":"fd00::5/64","interface":1},{"address":"10.9.0.1/24","interface":0},{"address":"10.9.0.5/24","interface":1}]}' "$CNI_NETNS"
}
fail() {
	printf '{"cniVersion":"1.0.0","code":999,"msg":"%%s"}' "$1"
	exit 1
}
case "$name.$CNI_COMMAND" in
loopback.ADD) printf '{"cniVersion":"1.0.0","interfaces":[{"name":"lo","sandbox":"%%s"}],"ips":[{"address":"127.0.0.1/8","interface":0}]}' "$CNI_NETNS" ;;
fakenet.ADD|fakeport.ADD|faildel.ADD) podresult ;;
failnet.ADD) fail boom ;;
faildel.DEL) fail "no del" ;;
hang.ADD) touch "$logdir/hang.started"; exec sleep 600 ;;
esac
exit 0
`

// fakeCNI is a plugin dir of fake plugins and the dir their logs go to.
type fakeCNI struct {
	binDir, logDir string
}

func newFakeCNI(t *testing.T) fakeCNI {
	t.Helper()
	f := fakeCNI{binDir: t.TempDir(), logDir: t.TempDir()}
	script := fmt.Sprintf(fakePluginScript, f.logDir)
	for _, name := range []string{"loopback", "fakenet", "fakeport", "failnet", "faildel", "hang"} {
		if err := os.WriteFile(filepath.Join(f.binDir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// manager returns a Manager whose main network chains the given fake plugins.
func (f fakeCNI) manager(t *testing.T, plugins ...string) *Manager {
	t.Helper()
	cfg := testConfig(t)
	cfg.BinDirs = []string{filepath.Join(t.TempDir(), "missing"), f.binDir}
	var confs []string
	for _, p := range plugins {
		conf := `{"type":"` + p + `"}`
		if p == "fakeport" {
			conf = `{"type":"fakeport","capabilities":{"portMappings":true}}`
		}
		confs = append(confs, conf)
	}
	writeFiles(t, cfg.ConfDir, map[string]string{
		"10-fake.conflist": `{"cniVersion":"1.0.0","name":"fake","plugins":[` + strings.Join(confs, ",") + `]}`,
	})
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// calls returns the logged plugin calls, one line each, without CNI_ARGS.
func (f fakeCNI) calls(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.logDir, "calls"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		call, _, _ := strings.Cut(line, " args=")
		out = append(out, call)
	}
	return out
}

// args returns the CNI_ARGS of the first logged call.
func (f fakeCNI) args(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.logDir, "calls"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	_, args, _ := strings.Cut(first, " args=")
	return args
}

func (f fakeCNI) stdin(t *testing.T, plugin, command string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(f.logDir, plugin+"."+command+".stdin"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
