// Command cnifault is a CNI plugin for tests that stands in front of a real one and misbehaves
// on demand. Installed under the real plugin's name (bridge, say) in a directory listed before
// the real one, it finds the real plugin further along CNI_PATH and runs it, unless the file
// "faults" beside it asks for a fault. Each line of that file is
//
//	COMMAND MODE [POD]
//
// COMMAND is ADD or DEL, POD (optional) limits the line to the pod named so in CNI_ARGS, and
// MODE is one of:
//
//	fail        answer a CNI error without running the real plugin
//	fail-after  run the real plugin, then answer a CNI error anyway (half success)
//	garbage     run the real plugin, then answer bytes that are not a CNI result
//	hang        run the real plugin, then never answer (until killed)
//
// Every call is appended to the file "calls" beside it: "COMMAND POD MODE", MODE "-" when none.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cnifault:", err)
		os.Exit(1)
	}
}

func run() error {
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		return fmt.Errorf("own path: %w", err)
	}
	dir, name := filepath.Dir(self), filepath.Base(self)
	// libcni runs VERSION with CNI_PATH "dummy": then the usual plugin directories are looked at.
	real, err := findReal(dir, name, os.Getenv("CNI_PATH")+":/opt/cni/bin:/usr/lib/cni")
	if err != nil {
		return err
	}
	command, pod := os.Getenv("CNI_COMMAND"), cniArg(os.Getenv("CNI_ARGS"), "K8S_POD_NAME")
	mode, err := faultFor(filepath.Join(dir, "faults"), command, pod)
	if err != nil {
		return err
	}
	if command == "ADD" || command == "DEL" {
		if err := record(filepath.Join(dir, "calls"), command, pod, mode); err != nil {
			return err
		}
	}
	switch mode {
	case "":
		// Become the real plugin: same stdin, stdout, environment.
		return syscall.Exec(real, append([]string{real}, os.Args[1:]...), os.Environ())
	case "fail":
		return answerError(command)
	}
	out, runErr := runReal(real)
	switch mode {
	case "fail-after":
		return answerError(command)
	case "garbage":
		_, err := os.Stdout.WriteString("\x00this is not a CNI result {{{\n")
		return err
	case "hang":
		for {
			time.Sleep(time.Hour) // until the runtime kills us
		}
	}
	os.Stdout.Write(out)
	return runErr
}

// findReal returns the first plugin called name along path (a list of directories) that is not
// in dir.
func findReal(dir, name, path string) (string, error) {
	for _, d := range filepath.SplitList(path) {
		if d == "" || filepath.Clean(d) == dir {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("no real %s plugin on CNI_PATH %q besides %s", name, path, dir)
}

// cniArg returns key's value in CNI_ARGS ("K=V;K=V").
func cniArg(args, key string) string {
	for _, kv := range strings.Split(args, ";") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// faultFor returns the mode the faults file sets for this command and pod, "" for none.
func faultFor(file, command, pod string) (string, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read faults: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != command || (len(f) > 2 && f[2] != pod) {
			continue
		}
		switch f[1] {
		case "fail", "fail-after", "garbage", "hang":
			return f[1], nil
		default:
			return "", fmt.Errorf("faults: unknown mode %q", f[1])
		}
	}
	return "", sc.Err()
}

func record(file, command, pod, mode string) error {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("record call: %w", err)
	}
	if mode == "" {
		mode = "-"
	}
	_, err = fmt.Fprintf(f, "%s %s %s\n", command, pod, mode)
	return errors.Join(err, f.Close())
}

// runReal runs the real plugin on our stdin and returns what it wrote; its stderr is ours.
func runReal(real string) ([]byte, error) {
	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	return out.Bytes(), err
}

// answerError writes a CNI error result and exits 1, as a failing plugin does.
func answerError(command string) error {
	msg, _ := json.Marshal(map[string]any{
		"cniVersion": "1.0.0", "code": 999, "msg": "injected " + command + " failure", "details": "cnifault",
	})
	os.Stdout.Write(msg)
	os.Exit(1)
	return nil
}
