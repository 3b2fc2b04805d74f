// Package hostile is a corpus of hostile manifests and the error each must give: invalid YAML,
// wrong kinds and apiVersions, unknown and misplaced fields, bad names, duplicates, bad ports
// and probes, huge and binary files, symlinks, FIFOs, sockets and directories named like
// manifests. The manifest package's unit test and the e2e test both drop it beside a running
// pod (Steady) and check every error and that the pod is untouched.
package hostile

import (
	"embed"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

//go:embed testdata
var testdata embed.FS

// The pod that runs beside the corpus; several corpus files try to redefine it.
const (
	SteadyFile = "steady.yaml"
	SteadyName = "steady"
	Steady     = `apiVersion: v1
kind: Pod
metadata: {name: steady}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox:1.35, command: ["sleep", "3600"]}
`
)

// Case is one error the corpus must give: in File (a name in the manifest directory), document
// Doc (0: the whole file), on Field ("" for YAML syntax and whole-file errors), with a message
// containing Message.
type Case struct {
	File    string
	Doc     int
	Field   string
	Message string
}

// String is for test failures.
func (c Case) String() string {
	return fmt.Sprintf("%s: document %d: %s: ...%s...", c.File, c.Doc, c.Field, c.Message)
}

const (
	dupSteady  = "duplicate pod default/steady: already defined in "
	notMapping = "document is not a YAML mapping"
	noDocument = "file holds no YAML document"
	rfc1123    = "a lowercase RFC 1123 "
)

// Cases lists every error the corpus gives, in file order; each file gives exactly these.
var Cases = []Case{
	{File: "api-apps-v1-deployment.yaml", Doc: 1, Field: "kind", Message: "kind Deployment not supported yet: minikubelet runs v1 Pods only"},
	{File: "api-core-v1.yaml", Doc: 1, Field: "apiVersion", Message: `Unsupported value: "core/v1": supported values: "v1"`},
	{File: "api-extensions-v1beta1.yaml", Doc: 1, Field: "apiVersion", Message: `Unsupported value: "extensions/v1beta1"`},
	{File: "api-missing.yaml", Doc: 1, Field: "apiVersion", Message: "Required value"},
	{File: "api-number.yaml", Doc: 1, Field: "apiVersion", Message: "Invalid type. Expected: string, given: number"},
	{File: "api-v2.yaml", Doc: 1, Field: "apiVersion", Message: `Unsupported value: "v2"`},
	{File: "bad-separator.yaml", Field: "", Message: "invalid YAML: invalid Yaml document separator: this is not a separator"},
	{File: "binary-garbage.yaml", Message: "not a text file: NUL byte at offset"},
	{File: "bom-only.yaml", Message: noDocument},
	{File: "container-name-300.yaml", Doc: 1, Field: "spec.containers[0].name", Message: "must be no more than 63 characters"},
	{File: "container-name-capitals.yaml", Doc: 1, Field: "spec.containers[0].name", Message: `Invalid value: "Main": ` + rfc1123 + "label"},
	{File: "deadline-zero.yaml", Doc: 1, Field: "spec.activeDeadlineSeconds", Message: "Invalid value: 0: must be greater than 0"},
	{File: "deep-nesting-10000.yaml", Doc: 1, Message: "invalid document: invalid character '[' exceeded max depth"},
	{File: "deep-nesting.yaml", Doc: 1, Message: "invalid YAML: line 4: exceeded max depth of 10000"},
	{File: "directory.yaml", Message: "is a directory (manifest directories are not recursed into), not a regular file"},
	{File: "dns-policy-bad.yaml", Doc: 1, Field: "spec.dnsPolicy", Message: `Unsupported value: "Google"`},
	{File: "dup-of-running.json", Doc: 1, Field: "metadata.name", Message: dupSteady},
	{File: "dup-of-running.yaml", Doc: 1, Field: "metadata.name", Message: dupSteady},
	{File: "dup-twice-in-file.yaml", Doc: 1, Field: "metadata.name", Message: dupSteady},
	{File: "dup-twice-in-file.yaml", Doc: 2, Field: "metadata.name", Message: dupSteady},
	{File: "empty.yaml", Message: "file is empty"},
	{File: "env-huge-bad-last.yaml", Doc: 1, Field: "spec.containers[0].env[19999].name", Message: `Invalid value: "BAD=NAME"`},
	{File: "env-huge-over-limit.yaml", Message: "over the limit of 1048576 bytes"},
	{File: "env-name-empty.yaml", Doc: 1, Field: "spec.containers[0].env[0].name", Message: "environment variable name must be non-empty"},
	{File: "env-value-and-from.yaml", Doc: 1, Field: "spec.containers[0].env[0].valueFrom", Message: "may not be specified when `value` is not empty"},
	{File: "fifo.yaml", Message: "is a named pipe (FIFO), not a regular file"},
	{File: "field-capital-image.yaml", Doc: 1, Field: "spec.containers[0].Image", Message: "unknown field"},
	{File: "field-capital-metadata.yaml", Doc: 1, Field: "Metadata", Message: "unknown field"},
	{File: "field-containers-in-metadata.yaml", Doc: 1, Field: "metadata.containers", Message: "unknown field"},
	{File: "field-image-in-spec.yaml", Doc: 1, Field: "spec.image", Message: "unknown field"},
	{File: "field-ports-in-spec.yaml", Doc: 1, Field: "spec.ports", Message: "unknown field"},
	{File: "field-typo-deep.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.periodSecond", Message: "unknown field"},
	{File: "field-unknown-top.yaml", Doc: 1, Field: "replicas", Message: "unknown field"},
	{File: "good-and-bad-docs.yaml", Doc: 1, Field: "metadata.name", Message: dupSteady},
	{File: "good-and-bad-docs.yaml", Doc: 2, Field: "metadata.name", Message: `Invalid value: "BadName": ` + rfc1123 + "subdomain"},
	{File: "grace-negative.yaml", Doc: 1, Field: "spec.terminationGracePeriodSeconds", Message: "Invalid value: -1: must be greater than or equal to 0"},
	{File: "hostip-invalid.yaml", Doc: 1, Field: "spec.containers[0].ports[0].hostIP", Message: `Invalid value: "not-an-ip": must be a valid IP address`},
	{File: "hostname-bad.yaml", Doc: 1, Field: "spec.hostname", Message: `Invalid value: "Not_A_Hostname"`},
	{File: "hostpath-relative.yaml", Doc: 1, Field: "spec.volumes[0].hostPath.path", Message: "must be an absolute path"},
	{File: "hostport-70000.yaml", Doc: 1, Field: "spec.containers[0].ports[0].hostPort", Message: "Invalid value: 70000: must be between 1 and 65535"},
	{File: "hostport-clash.yaml", Doc: 1, Field: "spec.containers[1].ports[0].hostPort", Message: `Duplicate value: ":18080/TCP"`},
	{File: "image-with-spaces.yaml", Doc: 1, Field: "spec.containers[0].image", Message: `Invalid value: "busy box": invalid reference format`},
	{File: "int-overflow.yaml", Doc: 1, Field: "spec.terminationGracePeriodSeconds", Message: "Invalid type. Expected: integer, given: number"},
	{File: "json-comment.json", Doc: 1, Message: "invalid YAML: line 1: did not find expected ',' or '}'"},
	{File: "json-unclosed.json", Doc: 1, Message: "invalid YAML: line 1: did not find expected ',' or '}'"},
	{File: "kind-list.yaml", Doc: 1, Field: "kind", Message: "kind List not supported yet"},
	{File: "kind-lowercase.yaml", Doc: 1, Field: "kind", Message: "kind pod not supported yet"},
	{File: "kind-missing.yaml", Doc: 1, Field: "kind", Message: "Required value"},
	{File: "kind-secret.yaml", Doc: 1, Field: "kind", Message: "kind Secret not supported yet"},
	{File: "label-bad-key.yaml", Doc: 1, Field: "metadata.labels", Message: `Invalid value: "bad key!"`},
	{File: "latin1.yaml", Message: "not a text file: invalid UTF-8 at offset 46"},
	// A field path is cut to 512 bytes: 384 from the start, 128 from the end.
	{File: "long-field.yaml", Doc: 1, Field: strings.Repeat("k", 384) + "...(899488 bytes left out)..." + strings.Repeat("k", 128), Message: "unknown field"},
	{File: "long-name.yaml", Doc: 1, Field: "metadata.name", Message: `nnnnnnnn": must be no more than 253 characters`},
	{File: "long-separator.yaml", Message: "invalid YAML: invalid Yaml document separator: ssssssss"},
	{File: "mode-0000.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "Locked": ` + rfc1123 + "subdomain"},
	{File: "name-300-chars.yaml", Doc: 1, Field: "metadata.name", Message: "must be no more than 253 characters"},
	{File: "name-capitals.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "MyPod": ` + rfc1123 + "subdomain"},
	{File: "name-dotdot-slash.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "../../etc/passwd": ` + rfc1123 + "subdomain"},
	{File: "name-dotdot.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "..": ` + rfc1123 + "subdomain"},
	{File: "name-double-dot.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "my..pod": ` + rfc1123 + "subdomain"},
	{File: "name-generate-only.yaml", Doc: 1, Field: "metadata.name", Message: "Required value"},
	{File: "name-missing.yaml", Doc: 1, Field: "metadata.name", Message: "Required value"},
	{File: "name-trailing-dot.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "pod.": ` + rfc1123 + "subdomain"},
	{File: "namespace-dotdot.yaml", Doc: 1, Field: "metadata.namespace", Message: `Invalid value: "../kube-system": ` + rfc1123 + "label"},
	{File: "no-containers.yaml", Doc: 1, Field: "spec.containers", Message: "Required value: a pod needs at least one container"},
	{File: "only-comments.yaml", Message: noDocument},
	{File: "only-separator.yaml", Message: noDocument},
	{File: "only-separators.yaml", Message: noDocument},
	{File: "only-whitespace.yaml", Message: noDocument},
	{File: "port-70000.yaml", Doc: 1, Field: "spec.containers[0].ports[0].containerPort", Message: "Invalid value: 70000: must be between 1 and 65535"},
	{File: "port-name-long.yaml", Doc: 1, Field: "spec.containers[0].ports[0].name", Message: "must be no more than 15 characters"},
	{File: "port-negative.yaml", Doc: 1, Field: "spec.containers[0].ports[0].containerPort", Message: "Invalid value: -80: must be between 1 and 65535"},
	{File: "port-protocol.yaml", Doc: 1, Field: "spec.containers[0].ports[0].protocol", Message: `Unsupported value: "HTTP"`},
	{File: "port-string.yaml", Doc: 1, Field: "spec.containers[0].ports[0].containerPort", Message: "Invalid type. Expected: integer, given: string"},
	{File: "port-zero.yaml", Doc: 1, Field: "spec.containers[0].ports[0].containerPort", Message: "Required value"},
	{File: "probe-delay-absurd.yaml", Doc: 1, Field: "spec.containers[0].readinessProbe.initialDelaySeconds", Message: "Invalid type. Expected: integer, given: number"},
	{File: "probe-fractional.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.periodSeconds", Message: "Invalid type. Expected: integer, given: number"},
	{File: "probe-liveness-success-2.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.successThreshold", Message: "Invalid value: 2: must be 1"},
	{File: "probe-negative-delay.yaml", Doc: 1, Field: "spec.containers[0].startupProbe.initialDelaySeconds", Message: "Invalid value: -30: must be greater than or equal to 0"},
	{File: "probe-negative-period.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.periodSeconds", Message: "Invalid value: -5: must be greater than or equal to 1"},
	{File: "probe-negative-timeout.yaml", Doc: 1, Field: "spec.containers[0].readinessProbe.timeoutSeconds", Message: "Invalid value: -1: must be greater than or equal to 1"},
	{File: "probe-no-handler.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe", Message: "Required value: must specify a handler type"},
	{File: "probe-port-zero.yaml", Doc: 1, Field: "spec.containers[0].readinessProbe.httpGet.port", Message: "Invalid value: 0: must be between 1 and 65535"},
	{File: "probe-threshold-overflow.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.failureThreshold", Message: "Invalid type. Expected: integer, given: number"},
	{File: "probe-two-handlers.yaml", Doc: 1, Field: "spec.containers[0].livenessProbe.tcpSocket", Message: "Forbidden: may not specify more than 1 handler type"},
	{File: "resources-bad-quantity.yaml", Doc: 1, Field: "spec.containers[0].resources.limits[memory]", Message: `Invalid value: "lots": quantities must match`},
	{File: "resources-negative.yaml", Doc: 1, Field: "spec.containers[0].resources.requests[cpu]", Message: `Invalid value: "-1": must be greater than or equal to 0`},
	{File: "resources-request-over-limit.yaml", Doc: 1, Field: "spec.containers[0].resources.requests[memory]", Message: "must be less than or equal to memory limit of 1Gi"},
	{File: "restart-policy-sometimes.yaml", Doc: 1, Field: "spec.restartPolicy", Message: `Unsupported value: "Sometimes"`},
	{File: "socket.yaml", Message: "is a socket, not a regular file"},
	{File: "spec-a-string.yaml", Doc: 1, Field: "spec", Message: "Invalid type. Expected: object, given: string"},
	{File: "spec-null.yaml", Doc: 1, Field: "spec.containers", Message: "Required value"},
	{File: "subpath-dotdot.yaml", Doc: 1, Field: "spec.containers[0].volumeMounts[0].subPath", Message: "must not contain '..'"},
	{File: "symlink-dangling.yaml", Message: "dangling symlink: "},
	{File: "symlink-loop-a.yaml", Message: "symlink loop (-> "},
	{File: "symlink-loop-b.yaml", Message: "symlink loop (-> "},
	{File: "symlink-loop-self.yaml", Message: "symlink loop (-> symlink-loop-self.yaml)"},
	{File: "symlink-to-bad-file.yaml", Doc: 1, Field: "metadata.name", Message: `Invalid value: "Linked": ` + rfc1123 + "subdomain"},
	{File: "symlink-to-dev-zero.yaml", Message: "is a character device, not a regular file"},
	{File: "symlink-to-directory.yaml", Message: "is a directory (manifest directories are not recursed into)"},
	{File: "symlink-to-fifo.yaml", Message: "is a named pipe (FIFO), not a regular file"},
	{File: "symlink-to-proc-mem.yaml", Message: "is a kernel pseudo-file (procfs), not a manifest; not read"},
	{File: "symlink-to-sysfs.yaml", Message: "is a kernel pseudo-file (sysfs), not a manifest; not read"},
	{File: "ten-megabytes.yaml", Message: "file is 10485760 bytes, over the limit of 1048576 bytes"},
	{File: "volume-name-dotdot.yaml", Doc: 1, Field: "spec.volumes[0].name", Message: `Invalid value: "../up": ` + rfc1123 + "label"},
	{File: "yaml-alias-bomb.yaml", Doc: 1, Message: "invalid YAML: document contains excessive aliasing"},
	{File: "yaml-bad-indent.yaml", Doc: 1, Message: "invalid YAML: line 5: mapping values are not allowed in this context"},
	{File: "yaml-duplicate-key.yaml", Doc: 1, Message: `invalid YAML: line 7: key "restartPolicy" already set in map`},
	{File: "yaml-list-document.yaml", Doc: 1, Message: notMapping},
	{File: "yaml-scalar-document.yaml", Doc: 1, Message: notMapping},
	{File: "yaml-tab-indent.yaml", Doc: 1, Message: "invalid YAML: line 4: found character that cannot start any token"},
	{File: "yaml-unclosed-flow.yaml", Doc: 1, Message: "invalid YAML: line 3: did not find expected ',' or '}'"},
	{File: "yaml-unclosed-quote.yaml", Doc: 1, Message: "invalid YAML: line 6: found unexpected end of stream"},
	{File: "yaml-undefined-alias.yaml", Doc: 1, Message: "invalid YAML: unknown anchor 'nowhere' referenced"},
}

// Files returns the names of the corpus files, each once, in the order of Cases.
func Files() []string {
	var names []string
	seen := map[string]bool{}
	for _, c := range Cases {
		if !seen[c.File] {
			seen[c.File] = true
			names = append(names, c.File)
		}
	}
	return names
}

// Compare matches the errors an agent reported (File relative to the manifest directory) with
// Cases: missing are the cases no error matches, unexpected the errors no case matches. An
// error matches a case with the same file, document and field whose Message it contains.
func Compare(got []Case) (missing, unexpected []Case) {
	matches := func(c, g Case) bool {
		return c.File == g.File && c.Doc == g.Doc && c.Field == g.Field && strings.Contains(g.Message, c.Message)
	}
	for _, c := range Cases {
		if !slices.ContainsFunc(got, func(g Case) bool { return matches(c, g) }) {
			missing = append(missing, c)
		}
	}
	for _, g := range got {
		if !slices.ContainsFunc(Cases, func(c Case) bool { return matches(c, g) }) {
			unexpected = append(unexpected, g)
		}
	}
	return missing, unexpected
}

// Write puts the corpus into the manifest directory dir: the files of testdata/, then the ones
// made at run time (too big, binary or special for git). Symlink targets go in outside, a
// directory that must not be dir. It returns a function that closes the socket's listener.
func Write(dir, outside string) (closeSocket func(), err error) {
	closeSocket = func() {}
	entries, err := fs.ReadDir(testdata, "testdata")
	if err != nil {
		return closeSocket, fmt.Errorf("read the corpus: %w", err)
	}
	for _, e := range entries {
		data, err := testdata.ReadFile("testdata/" + e.Name())
		if err != nil {
			return closeSocket, fmt.Errorf("read the corpus: %w", err)
		}
		if err := writeFile(dir, e.Name(), data, 0o644); err != nil {
			return closeSocket, err
		}
	}
	for _, step := range []func(dir, outside string) error{writeGenerated, writeSpecial, writeSymlinks} {
		if err := step(dir, outside); err != nil {
			return closeSocket, err
		}
	}
	return listenSocket(filepath.Join(dir, "socket.yaml"))
}

// writeFile writes one corpus file as users should, through a temporary dot-file and a rename,
// so that a watching agent never reads it half written.
func writeFile(dir, name string, data []byte, perm os.FileMode) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return fmt.Errorf("write corpus file %s: %w", name, err)
	}
	if err := os.Chmod(tmp, perm); err != nil { // the umask may have narrowed it
		return fmt.Errorf("write corpus file %s: %w", name, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write corpus file %s: %w", name, err)
	}
	return nil
}

// writeGenerated writes the files too large or too binary to keep in git.
func writeGenerated(dir, _ string) error {
	rnd := rand.New(rand.NewPCG(8, 8)) // fixed: the same garbage every run
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(rnd.UintN(256))
	}
	garbage[100] = 0 // at least one NUL, wherever the random ones fall
	files := []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{name: "empty.yaml", perm: 0o644},
		{name: "binary-garbage.yaml", data: garbage, perm: 0o644},
		{name: "ten-megabytes.yaml", data: []byte(padded(Steady, 10<<20)), perm: 0o644},
		{name: "env-huge-bad-last.yaml", data: []byte(envPod("hugeenv", 20000)), perm: 0o644},
		{name: "env-huge-over-limit.yaml", data: []byte(envPod("overlimit", 60000)), perm: 0o644},
		// Values of 900 kB: the errors must not repeat them whole.
		{name: "long-name.yaml", data: []byte(strings.Replace(Steady, "name: steady", "name: "+strings.Repeat("n", 900_000), 1)), perm: 0o644},
		{name: "long-field.yaml", data: []byte(strings.Replace(Steady, "name: steady", "name: longfield", 1) + "? " + strings.Repeat("k", 900_000) + "\n: 1\n"), perm: 0o644},
		{name: "long-separator.yaml", data: []byte("--- " + strings.Repeat("s", 900_000) + "\n" + Steady), perm: 0o644},
		// Nesting past the YAML parser's limit, and just within it but past the JSON decoder's.
		{name: "deep-nesting.yaml", data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec: " + strings.Repeat("[", 400_000) + strings.Repeat("]", 400_000) + "\n"), perm: 0o644},
		{name: "deep-nesting-10000.yaml", data: []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: deep}\nspec: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n"), perm: 0o644},
		// Root reads a mode-0000 file: it is read and validated like any other.
		{name: "mode-0000.yaml", data: []byte(strings.Replace(Steady, "name: steady", "name: Locked", 1)), perm: 0},
	}
	for _, f := range files {
		if err := writeFile(dir, f.name, f.data, f.perm); err != nil {
			return err
		}
	}
	return nil
}

// padded returns pod followed by comment lines up to exactly size bytes.
func padded(pod string, size int) string {
	var b strings.Builder
	b.Grow(size)
	b.WriteString(pod)
	line := "# padding " + strings.Repeat("x", 53) + "\n" // 64 bytes
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	b.WriteString(strings.Repeat("#", size-b.Len()))
	return b.String()
}

// envPod is a pod with n environment variables, the last one named invalidly.
func envPod(name string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n  containers:\n  - name: main\n    image: busybox:1.35\n    env:\n", name)
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&b, "    - {name: VAR_%d, value: v}\n", i)
	}
	b.WriteString("    - {name: BAD=NAME, value: v}\n")
	return b.String()
}

// writeSpecial makes the entries named like manifests that are not regular files.
func writeSpecial(dir, outside string) error {
	for _, d := range []string{filepath.Join(dir, "directory.yaml"), filepath.Join(outside, "a-directory")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("corpus directory: %w", err)
		}
		// A valid pod inside: the agent must not recurse into it.
		if err := os.WriteFile(filepath.Join(d, "inner.yaml"), []byte(strings.Replace(Steady, "name: steady", "name: inner", 1)), 0o644); err != nil {
			return fmt.Errorf("corpus directory: %w", err)
		}
	}
	for _, p := range []string{filepath.Join(dir, "fifo.yaml"), filepath.Join(outside, "a-fifo")} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			return fmt.Errorf("corpus fifo %s: %w", p, err)
		}
	}
	return writeFile(outside, "bad.yaml", []byte(strings.Replace(Steady, "name: steady", "name: Linked", 1)), 0o644)
}

// writeSymlinks makes the symlinks: to a file, a directory, a FIFO and a device outside, a
// dangling one, loops, and one to a file whose read fails even for root.
func writeSymlinks(dir, outside string) error {
	links := []struct{ name, target string }{
		{"symlink-to-bad-file.yaml", filepath.Join(outside, "bad.yaml")},
		{"symlink-to-directory.yaml", filepath.Join(outside, "a-directory")},
		{"symlink-to-fifo.yaml", filepath.Join(outside, "a-fifo")},
		{"symlink-to-dev-zero.yaml", "/dev/zero"},
		{"symlink-dangling.yaml", filepath.Join(outside, "does-not-exist.yaml")},
		{"symlink-loop-self.yaml", "symlink-loop-self.yaml"},
		{"symlink-loop-a.yaml", "symlink-loop-b.yaml"},
		{"symlink-loop-b.yaml", "symlink-loop-a.yaml"},
		// Kernel pseudo-files look regular, but a read fails (EIO at offset 0 of a process's
		// memory), blocks or consumes something: refused unread.
		{"symlink-to-proc-mem.yaml", "/proc/self/mem"},
		{"symlink-to-sysfs.yaml", "/sys/kernel/uevent_seqnum"},
	}
	for _, l := range links {
		if err := os.Symlink(l.target, filepath.Join(dir, l.name)); err != nil {
			return fmt.Errorf("corpus symlink: %w", err)
		}
	}
	return nil
}

// listenSocket leaves a unix socket at path and returns what closes its listener.
func listenSocket(path string) (func(), error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return func() {}, fmt.Errorf("corpus socket: %w", err)
	}
	return func() { l.Close() }, nil
}
