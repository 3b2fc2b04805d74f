package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsjson "sigs.k8s.io/json"
)

// Watch event types, as the Kubernetes API names them.
const (
	EventAdded    = "ADDED"
	EventModified = "MODIFIED"
	EventDeleted  = "DELETED"
	// EventBookmark ends the initial ADDED events: from then on, events are changes.
	EventBookmark = "BOOKMARK"
)

// PodEvent is one event of a pod watch.
type PodEvent struct {
	Type string
	Pod  v1.Pod
}

// WatchPods follows the agent's pods (GET /pods?watch=true): fn gets an ADDED event per pod, a
// BOOKMARK, then every change. It returns when ctx ends (nil), the agent ends the stream, or fn
// returns an error.
func (c *Client) WatchPods(ctx context.Context, fn func(PodEvent) error) error {
	// No overall timeout: a watch lasts as long as the user wants.
	resp, err := c.do(ctx, http.MethodGet, "/pods?watch=true", http.Header{"Accept": {"application/json"}}, 0)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("watch pods: %w", err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(make([]byte, 64<<10), maxBodyBytes)
	for lines.Scan() {
		var we metav1.WatchEvent
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(lines.Bytes(), &we); err != nil {
			return fmt.Errorf("watch pods: decode event: %w", err)
		}
		ev := PodEvent{Type: we.Type}
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(we.Object.Raw, &ev.Pod); err != nil {
			return fmt.Errorf("watch pods: decode %s event's pod: %w", we.Type, err)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := lines.Err(); err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	return errors.New("watch pods: the agent ended the watch (is it stopping?)")
}

// watchPods is `get pods -w`: the table of the pods as they are, then a line per change of a
// selected pod, as kubectl prints it (json and yaml print each pod as an object).
func watchPods(ctx context.Context, c *Client, opts GetPodsOptions, out, errOut io.Writer) error {
	began := time.Now()
	now := func() time.Time {
		if opts.Now.IsZero() {
			return time.Now()
		}
		return opts.Now.Add(time.Since(began))
	}
	var initial []v1.Pod
	listed := false
	printed := 0 // objects printed, for the YAML document separator
	return c.WatchPods(ctx, func(ev PodEvent) error {
		switch {
		case !listed && ev.Type == EventAdded:
			initial = append(initial, ev.Pod)
			return nil
		case !listed && ev.Type == EventBookmark:
			listed = true
			pods, notFound := selectPods(initial, opts)
			if len(notFound) > 0 {
				return fmt.Errorf("pods %q not found", notFound[0])
			}
			if isTable(opts.Output) {
				if err := PrintPods(out, pods, opts); err != nil {
					return err
				}
				if len(pods) == 0 && len(opts.Names) == 0 {
					noResources(errOut, opts)
				}
				return nil
			}
			for i := range pods {
				if err := printWatched(out, &pods[i], opts, now(), printed); err != nil {
					return err
				}
				printed++
			}
			return nil
		case ev.Type == EventBookmark:
			return nil
		}
		if !watched(&ev.Pod, opts) {
			return nil
		}
		if err := printWatched(out, &ev.Pod, opts, now(), printed); err != nil {
			return err
		}
		printed++
		return nil
	})
}

// printWatched prints one pod of a watch: a table row without the header, or the object.
func printWatched(w io.Writer, pod *v1.Pod, opts GetPodsOptions, now time.Time, printed int) error {
	switch opts.Output {
	case OutputTable, OutputWide:
		tw := newTabWriter(w)
		fmt.Fprintln(tw, strings.Join(podRow(pod, now, opts.AllNamespaces, opts.Output == OutputWide), "\t"))
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("print pod: %w", err)
		}
		return nil
	case OutputYAML:
		if printed > 0 {
			if _, err := fmt.Fprintln(w, "---"); err != nil {
				return fmt.Errorf("print pod: %w", err)
			}
		}
	}
	return PrintPods(w, []v1.Pod{*pod}, GetPodsOptions{Output: opts.Output, Names: []string{pod.Name}, Now: now})
}

// watched tells whether a changed pod is one the watch selects: of the namespace (any with
// AllNamespaces), and one of the names if names were given.
func watched(pod *v1.Pod, opts GetPodsOptions) bool {
	if !opts.AllNamespaces && pod.Namespace != opts.Namespace {
		return false
	}
	return len(opts.Names) == 0 || slices.Contains(opts.Names, pod.Name)
}
