package cli

import (
	"context"
	"fmt"
	"strings"

	v1 "k8s.io/api/core/v1"
)

// podOf fetches the pod and returns it, or kubectl's `pods "NAME" not found`.
func podOf(ctx context.Context, c *Client, namespace, name string) (*v1.Pod, error) {
	list, err := c.Pods(ctx)
	if err != nil {
		return nil, fmt.Errorf("get pods: %w", err)
	}
	pod := findPod(list.Items, namespace, name)
	if pod == nil {
		return nil, fmt.Errorf("pods %q not found", name)
	}
	return pod, nil
}

// requireContainer returns the container to read: the named one, else the pod's only container,
// else the API server's error for a pod with several.
func requireContainer(pod *v1.Pod, container string) (string, error) {
	if container != "" {
		return container, nil
	}
	if len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name, nil
	}
	msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: %s", pod.Name, containerNames(pod.Spec.Containers))
	if len(pod.Spec.InitContainers) > 0 {
		msg += " or one of the init containers: " + containerNames(pod.Spec.InitContainers)
	}
	return "", fmt.Errorf("%s", msg)
}

// defaultContainer returns the named container, else the first, with kubectl exec's note when
// there was a choice.
func defaultContainer(pod *v1.Pod, container string, note func(string)) string {
	if container != "" || len(pod.Spec.Containers) == 0 {
		return container
	}
	first := pod.Spec.Containers[0].Name
	if len(pod.Spec.Containers) > 1 {
		note(fmt.Sprintf("Defaulted container %q out of: %s", first, strings.Join(names(pod.Spec.Containers), ", ")))
	}
	return first
}

// containerNames is "[a b]", as the API server lists them.
func containerNames(cs []v1.Container) string { return "[" + strings.Join(names(cs), " ") + "]" }

func names(cs []v1.Container) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// serverMessage turns a refusal of the agent into its message alone (kubectl prints the server's
// reason, not the URL); other errors pass through.
func serverMessage(err error) error {
	if se, ok := err.(*statusError); ok && se.code >= 400 && se.code < 500 && se.body != "" {
		return fmt.Errorf("%s", se.body)
	}
	return err
}
