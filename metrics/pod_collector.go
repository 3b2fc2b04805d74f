package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	v1 "k8s.io/api/core/v1"
)

// podCollector reads the pod gauges and restart counters from pod status at each scrape, so they
// can never disagree with /pods.
type podCollector struct {
	pods              PodLister
	runningPods       *prometheus.Desc
	runningContainers *prometheus.Desc
	restarts          *prometheus.Desc
	initRestarts      *prometheus.Desc
}

func newPodCollector(pods PodLister) *podCollector {
	return &podCollector{
		pods: pods,
		runningPods: prometheus.NewDesc("kubelet_running_pods",
			"Number of pods that have a running pod sandbox.", nil, nil),
		runningContainers: prometheus.NewDesc("kubelet_running_containers",
			"Number of containers currently running.", []string{"container_state"}, nil),
		// kubelet has no per-container restart metric; kube-state-metrics' names are what
		// dashboards and alerts (KubePodCrashLooping) use.
		restarts: prometheus.NewDesc("kube_pod_container_status_restarts_total",
			"The number of container restarts per container.", []string{"namespace", "pod", "container"}, nil),
		initRestarts: prometheus.NewDesc("kube_pod_init_container_status_restarts_total",
			"The number of restarts for the init container.", []string{"namespace", "pod", "container"}, nil),
	}
}

func (c *podCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.runningPods
	ch <- c.runningContainers
	ch <- c.restarts
	ch <- c.initRestarts
}

func (c *podCollector) Collect(ch chan<- prometheus.Metric) {
	counts := podCounts(c.pods.Pods())
	ch <- prometheus.MustNewConstMetric(c.runningPods, prometheus.GaugeValue, float64(counts.runningPods))
	for _, state := range []string{stateRunning, stateExited} {
		ch <- prometheus.MustNewConstMetric(c.runningContainers, prometheus.GaugeValue, float64(counts.containers[state]), state)
	}
	for _, r := range counts.restarts {
		desc := c.restarts
		if r.init {
			desc = c.initRestarts
		}
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(r.count), r.namespace, r.pod, r.container)
	}
}

// Kubelet's container_state values that pod status can tell apart ("created" and "unknown" it
// cannot, so they are not reported).
const (
	stateRunning = "running"
	stateExited  = "exited"
)

type restartKey struct {
	namespace, pod, container string
	init                      bool
}

type restartCount struct {
	restartKey
	count int32
}

type counts struct {
	runningPods int
	containers  map[string]int
	restarts    []restartCount
}

// podCounts derives the gauges from status: a pod whose sandbox is up (PodReadyToStartContainers)
// runs; a container instance is running, or exited (terminated, or waiting to restart after a
// run, whose instance the runtime still holds). While a pod is replaced, two pods share a name:
// the restarts are the new one's, since a metric may appear once per label set.
func podCounts(pods []v1.Pod) counts {
	out := counts{containers: map[string]int{}}
	index := map[restartKey]int{}
	replaced := map[restartKey]bool{} // pods (container "") with a successor not being deleted
	for i := range pods {
		if pods[i].DeletionTimestamp == nil {
			replaced[restartKey{namespace: pods[i].Namespace, pod: pods[i].Name}] = true
		}
	}
	for i := range pods {
		p := &pods[i]
		superseded := p.DeletionTimestamp != nil && replaced[restartKey{namespace: p.Namespace, pod: p.Name}]
		for _, cond := range p.Status.Conditions {
			if cond.Type == v1.PodReadyToStartContainers && cond.Status == v1.ConditionTrue {
				out.runningPods++
			}
		}
		for _, list := range []struct {
			init     bool
			statuses []v1.ContainerStatus
		}{{true, p.Status.InitContainerStatuses}, {false, p.Status.ContainerStatuses}} {
			for _, cs := range list.statuses {
				switch {
				case cs.State.Running != nil:
					out.containers[stateRunning]++
				case cs.State.Terminated != nil, cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
					out.containers[stateExited]++
				}
				key := restartKey{namespace: p.Namespace, pod: p.Name, container: cs.Name, init: list.init}
				j, seen := index[key]
				switch {
				case !seen:
					index[key] = len(out.restarts)
					out.restarts = append(out.restarts, restartCount{restartKey: key, count: cs.RestartCount})
				case !superseded:
					out.restarts[j].count = cs.RestartCount
				}
			}
		}
	}
	return out
}
