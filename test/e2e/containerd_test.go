package e2e

import (
	"testing"

	"github.com/minikubelet/minikubelet/test/containerdtest"
)

// removeContainerdNamespace deletes what the agent left in its namespace (images, content,
// snapshots) and the namespace itself.
func removeContainerdNamespace(t *testing.T, namespace string) {
	t.Helper()
	client := containerdtest.Client(t)
	if err := containerdtest.RemoveNamespace(client, namespace); err != nil {
		t.Errorf("remove containerd namespace %s: %v", namespace, err)
	}
}
