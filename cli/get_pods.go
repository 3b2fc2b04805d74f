package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// DefaultNamespace is the namespace GetPods lists when none is given.
const DefaultNamespace = "default"

// GetPodsOptions are the options of `minikubelet get pods`.
type GetPodsOptions struct {
	Names         []string  // optional pod names (like `kubectl get pods a b`)
	Namespace     string    // default "default"
	AllNamespaces bool      // -A
	Output        string    // "", "wide", "json", "yaml", "name"
	Now           time.Time // for AGE; the command passes time.Now()
	// Watch follows changes after printing (-w), until ctx ends.
	Watch bool
}

// GetPods prints the agent's pods like `kubectl get pods`. Pods named but not
// found are reported in the returned error after the others are printed;
// "No resources found" and the refused-manifest notice go to errOut.
func GetPods(ctx context.Context, c *Client, opts GetPodsOptions, out, errOut io.Writer) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	if opts.AllNamespaces && len(opts.Names) > 0 {
		return errors.New("a resource cannot be retrieved by name across all namespaces")
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Watch {
		return watchPods(ctx, c, opts, out, errOut)
	}
	list, err := c.Pods(ctx)
	if err != nil {
		return fmt.Errorf("get pods: %w", err)
	}
	refused, err := c.Errors(ctx)
	if errors.Is(err, ErrNotFound) {
		// The read-only TCP port (--server) does not serve them: no notice.
		refused, err = nil, nil
	}
	if err != nil {
		return fmt.Errorf("get refused manifests: %w", err)
	}

	pods, notFound := selectPods(list.Items, opts)
	// Like kubectl, a single missing pod prints nothing else.
	if !(len(opts.Names) == 1 && len(notFound) == 1) {
		if err := PrintPods(out, pods, opts); err != nil {
			return err
		}
	}
	if len(pods) == 0 && len(opts.Names) == 0 && isTable(opts.Output) {
		noResources(errOut, opts)
	}
	if len(refused) > 0 {
		fmt.Fprintf(errOut, "%d manifest(s) refused; see 'minikubelet get errors'\n", len(refused))
	}

	var errs []error
	for _, name := range notFound {
		errs = append(errs, fmt.Errorf("pods %q not found", name))
	}
	return errors.Join(errs...)
}

// selectPods keeps the pods of the namespace (all with AllNamespaces), sorted
// by namespace and name, or the named ones in the order asked; it returns the
// names it did not find.
func selectPods(all []v1.Pod, opts GetPodsOptions) (pods []v1.Pod, notFound []string) {
	for i := range all {
		if opts.AllNamespaces || all[i].Namespace == opts.Namespace {
			pods = append(pods, all[i])
		}
	}
	slices.SortFunc(pods, func(a, b v1.Pod) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(opts.Names) == 0 {
		return pods, nil
	}
	var named []v1.Pod
	seen := map[string]bool{}
	for _, name := range opts.Names {
		if seen[name] {
			continue
		}
		seen[name] = true
		i := slices.IndexFunc(pods, func(p v1.Pod) bool { return p.Name == name })
		if i < 0 {
			notFound = append(notFound, name)
			continue
		}
		named = append(named, pods[i])
	}
	return named, notFound
}

// noResources says that nothing matched, as kubectl says it.
func noResources(errOut io.Writer, opts GetPodsOptions) {
	if opts.AllNamespaces {
		fmt.Fprintln(errOut, "No resources found")
	} else {
		fmt.Fprintf(errOut, "No resources found in %s namespace.\n", opts.Namespace)
	}
}

func isTable(output string) bool { return output == OutputTable || output == OutputWide }
