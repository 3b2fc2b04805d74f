// Package probes runs the liveness, readiness and startup probes of every running container, one
// worker goroutine per (pod, container, kind), as kubelet's prober does: results count once they
// repeat their threshold in a row; until a startup probe succeeds the others wait; after a
// liveness or startup failure the worker holds until the container is replaced. Results go to a
// cache that tells the pod's owner when one changes; the owner decides what to do (ready, restart).
//
// Initial results, before a probe has counted: liveness Success, readiness Failure, startup
// Unknown.
package probes
