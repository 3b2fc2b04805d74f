package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// LogsOptions are `minikubelet logs`' options, kubectl logs' flags.
type LogsOptions struct {
	Namespace  string
	Pod        string
	Container  string // empty: the pod's only container
	Follow     bool
	Previous   bool
	Timestamps bool
	TailLines  int64         // negative: every line
	Since      time.Duration // 0: every line
}

// Logs writes a container's log to out, as `kubectl logs` does, from the agent's
// /containerLogs endpoint; with Follow it returns when the container stops or ctx ends.
func Logs(ctx context.Context, c *Client, opts LogsOptions, out io.Writer) error {
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	pod, err := podOf(ctx, c, opts.Namespace, opts.Pod)
	if err != nil {
		return err
	}
	container, err := requireContainer(pod, opts.Container)
	if err != nil {
		return err
	}
	q := url.Values{}
	for name, on := range map[string]bool{"follow": opts.Follow, "previous": opts.Previous, "timestamps": opts.Timestamps} {
		if on {
			q.Set(name, "true")
		}
	}
	if opts.TailLines >= 0 {
		q.Set("tailLines", strconv.FormatInt(opts.TailLines, 10))
	}
	if opts.Since > 0 {
		q.Set("sinceSeconds", strconv.FormatInt(int64(max(opts.Since.Round(time.Second), time.Second)/time.Second), 10))
	}
	path := "/containerLogs/" + url.PathEscape(opts.Namespace) + "/" + url.PathEscape(opts.Pod) + "/" + url.PathEscape(container)
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.do(ctx, http.MethodGet, path, nil, 0)
	if err != nil {
		return serverMessage(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(out, resp.Body); err != nil && ctx.Err() == nil {
		return fmt.Errorf("read log of %s/%s: %w", opts.Pod, container, err)
	}
	return nil
}
