// Package e2e runs the minikubelet binary as a user does, as root, on the real containerd, runc,
// CNI plugins and iptables: manifests go into a directory, pods come up, /pods tells the truth,
// and deleting a manifest leaves nothing of its pod on the host. The tests skip unless
// MINIKUBELET_E2E=1 and fail when it is set and the host is not ready.
package e2e
