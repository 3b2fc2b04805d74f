package depsprobe

import (
	_ "github.com/containerd/containerd"
	_ "github.com/containerd/containerd/oci"
	_ "github.com/containerd/containerd/cio"
	_ "github.com/containerd/containerd/remotes/docker"
	_ "github.com/containerd/containerd/namespaces"
	_ "github.com/containernetworking/cni/libcni"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "github.com/opencontainers/image-spec/specs-go/v1"
	_ "github.com/spf13/pflag"
	_ "github.com/vishvananda/netns"
	_ "golang.org/x/sys/unix"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/apimachinery/pkg/api/validation"
	_ "k8s.io/apimachinery/pkg/util/yaml"
	_ "k8s.io/apimachinery/pkg/util/duration"
	_ "sigs.k8s.io/json"
	_ "sigs.k8s.io/yaml"
)
