package images_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	containerd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/oci"

	"github.com/minikubelet/minikubelet/ociimage"
	"github.com/minikubelet/minikubelet/test/containerdtest"
	"github.com/minikubelet/minikubelet/test/images"
	"github.com/minikubelet/minikubelet/test/testenv"
)

// runTimeout bounds one container run; the commands are instant.
var runTimeout = testenv.Scaled(30 * time.Second)

// TestBusyboxRunsInContainerd imports the busybox archive and runs containers from it: the applet
// links, the sticky /tmp and the users in /etc/passwd work for real.
func TestBusyboxRunsInContainerd(t *testing.T) {
	client := containerdtest.Client(t)
	ctx := containerdtest.Namespace(t, client)

	imgs, err := images.Busybox(images.DefaultBusybox, images.BusyboxImage, images.BusyboxLatest)
	if err != nil {
		t.Fatalf("Busybox: %v", err)
	}
	var archive bytes.Buffer
	if err := ociimage.WriteArchive(&archive, imgs...); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	if _, err := client.Import(ctx, &archive); err != nil {
		t.Fatalf("import: %v", err)
	}
	img, err := client.GetImage(ctx, images.BusyboxLatest)
	if err != nil {
		t.Fatalf("GetImage: %v", err)
	}
	if err := img.Unpack(ctx, containerdtest.Snapshotter); err != nil {
		t.Fatalf("unpack: %v", err)
	}

	tests := []struct {
		name string
		user string
		args []string // none: the image's Cmd
		want string
	}{
		{name: "image command, sh without stdin", want: ""},
		{
			name: "applets and layout",
			args: []string{"sh", "-c", `set -e; test "$(readlink /bin/sh)" = /bin/busybox; test -k /tmp; ` +
				`which httpd; wget --help 2>&1 | head -n1 >/dev/null; echo ok`},
			want: "/usr/sbin/httpd\nok\n",
		},
		{name: "nobody", user: "nobody", args: []string{"id"}, want: "uid=65534(nobody) gid=65534(nobody)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []oci.SpecOpts{oci.WithImageConfig(img)}
			if tt.args != nil {
				opts = append(opts, oci.WithProcessArgs(tt.args...))
			}
			if tt.user != "" {
				opts = append(opts, oci.WithUser(tt.user))
			}
			out := runContainer(t, ctx, client, img, fmt.Sprintf("busybox-%d", i), opts)
			if !strings.Contains(out, tt.want) {
				t.Fatalf("output %q, want it to contain %q", out, tt.want)
			}
		})
	}
}

// runContainer runs a container to its end, requires exit status 0 and returns its standard output.
func runContainer(t *testing.T, ctx context.Context, client *containerd.Client, img containerd.Image, id string, opts []oci.SpecOpts) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	container, err := client.NewContainer(ctx, id,
		containerd.WithImage(img),
		containerd.WithSnapshotter(containerdtest.Snapshotter),
		containerd.WithNewSnapshot(id, img),
		containerd.WithNewSpec(opts...))
	if err != nil {
		t.Fatalf("create container: %v", err)
	}
	defer func() {
		if err := container.Delete(context.WithoutCancel(ctx), containerd.WithSnapshotCleanup); err != nil {
			t.Errorf("delete container: %v", err)
		}
	}()
	// Two buffers: cio copies stdout and stderr concurrently.
	var stdout, stderr bytes.Buffer
	task, err := container.NewTask(ctx, cio.NewCreator(cio.WithStreams(nil, &stdout, &stderr)))
	if err != nil {
		t.Fatalf("create task: %v", err)
	}
	deleted := false
	defer func() {
		if deleted {
			return
		}
		if _, err := task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill); err != nil {
			t.Errorf("delete task: %v", err)
		}
	}()
	exited, err := task.Wait(ctx)
	if err != nil {
		t.Fatalf("wait task: %v", err)
	}
	if err := task.Start(ctx); err != nil {
		t.Fatalf("start task: %v", err)
	}
	var status containerd.ExitStatus
	select {
	case status = <-exited:
	case <-ctx.Done():
		t.Fatalf("container did not exit: %v", ctx.Err())
	}
	// The shim closes the output fifos once the process is gone; read them to their end before
	// deleting the task, which would close them.
	task.IO().Wait()
	deleted = true
	if _, err := task.Delete(ctx); err != nil {
		t.Fatalf("delete task: %v", err)
	}
	if status.ExitCode() != 0 {
		t.Fatalf("container exited %d: %s%s", status.ExitCode(), stdout.String(), stderr.String())
	}
	return stdout.String()
}
