// Package metrics measures the agent for Prometheus, under kubelet's metric names where kubelet
// has one (kube-state-metrics' where only it has one). Each agent owns a private registry: the
// engine, the probes and the image puller report through small observer interfaces they define
// themselves, and the pod and container gauges are read from pod status at scrape time, so that
// nothing here keeps a second copy of state.
package metrics
