package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"
)

// Output formats of GetPodsOptions.Output.
const (
	OutputTable = ""
	OutputWide  = "wide"
	OutputJSON  = "json"
	OutputYAML  = "yaml"
	OutputName  = "name"
)

// checkOutput rejects an unknown output format the way kubectl does.
func checkOutput(output string) error {
	switch output {
	case OutputTable, OutputWide, OutputJSON, OutputYAML, OutputName:
		return nil
	}
	return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,name,wide,yaml", output)
}

// PrintPods writes pods in the format opts.Output names. Tables print nothing
// for no pods (GetPods then says "No resources found"); json and yaml print a
// v1 List, or the pod itself when exactly one pod was asked for by name.
func PrintPods(w io.Writer, pods []v1.Pod, opts GetPodsOptions) error {
	if err := checkOutput(opts.Output); err != nil {
		return err
	}
	switch opts.Output {
	case OutputJSON, OutputYAML:
		return printObject(w, podsObject(pods, opts), opts.Output)
	case OutputName:
		for i := range pods {
			if _, err := fmt.Fprintf(w, "pod/%s\n", pods[i].Name); err != nil {
				return fmt.Errorf("print pods: %w", err)
			}
		}
		return nil
	default:
		return printPodTable(w, pods, opts)
	}
}

// newTabWriter aligns columns the way kubectl does.
func newTabWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 6, 4, 3, ' ', 0)
}

// printPodTable writes kubectl's pod table: NAME READY STATUS RESTARTS AGE,
// NAMESPACE first with AllNamespaces, and the wide columns with -o wide.
func printPodTable(w io.Writer, pods []v1.Pod, opts GetPodsOptions) error {
	if len(pods) == 0 {
		return nil
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	wide := opts.Output == OutputWide

	header := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}
	if opts.AllNamespaces {
		header = append([]string{"NAMESPACE"}, header...)
	}
	if wide {
		header = append(header, "IP", "NODE", "NOMINATED NODE", "READINESS GATES")
	}
	tw := newTabWriter(w)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i := range pods {
		fmt.Fprintln(tw, strings.Join(podRow(&pods[i], now, opts.AllNamespaces, wide), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print pods: %w", err)
	}
	return nil
}

// podRow returns the table cells of one pod.
func podRow(pod *v1.Pod, now time.Time, withNamespace, wide bool) []string {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, age(s.lastRestart, now))
	}
	var row []string
	if withNamespace {
		row = append(row, pod.Namespace)
	}
	row = append(row,
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.status,
		restarts,
		age(pod.CreationTimestamp.Time, now),
	)
	if wide {
		ip := pod.Status.PodIP
		if len(pod.Status.PodIPs) > 0 {
			ip = pod.Status.PodIPs[0].IP
		}
		row = append(row,
			orNone(ip),
			orNone(pod.Spec.NodeName),
			orNone(pod.Status.NominatedNodeName),
			readinessGates(pod),
		)
	}
	return row
}

// age renders the time since t as kubectl does, "<unknown>" for no time.
func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// readinessGates is "true/total" over spec.readinessGates, or <none>.
func readinessGates(pod *v1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	trueGates := 0
	for _, g := range pod.Spec.ReadinessGates {
		if hasCondition(pod, g.ConditionType) {
			trueGates++
		}
	}
	return fmt.Sprintf("%d/%d", trueGates, len(pod.Spec.ReadinessGates))
}

// podsObject is what json and yaml print: the single pod asked for by name,
// else a kubectl-style v1 List. Pods get their apiVersion and kind, as from an
// API server.
func podsObject(pods []v1.Pod, opts GetPodsOptions) any {
	typed := make([]any, 0, len(pods))
	for i := range pods {
		p := pods[i].DeepCopy()
		p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}
		typed = append(typed, p)
	}
	if len(opts.Names) == 1 && len(typed) == 1 {
		return typed[0]
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]any{"resourceVersion": ""},
		"items":      typed,
	}
}

// printObject writes obj as kubectl does: JSON indented by four spaces with
// sorted keys, or YAML through sigs.k8s.io/yaml.
func printObject(w io.Writer, obj any, output string) error {
	var data []byte
	var err error
	switch output {
	case OutputJSON:
		data, err = sortedJSON(obj)
	default:
		data, err = yaml.Marshal(obj)
	}
	if err != nil {
		return fmt.Errorf("print pods as %s: %w", output, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("print pods: %w", err)
	}
	return nil
}

// sortedJSON indents obj by four spaces with its keys sorted, as kubectl
// prints the unstructured objects it gets from an API server.
func sortedJSON(obj any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(generic, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
