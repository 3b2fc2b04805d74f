// Package faults lets tests make the agent fail on purpose at named points, to prove that it
// recovers from a crash or a failure at any step (containerd's integration/failpoint is the idea).
//
// A failpoint is a named step in the agent's code (such as "sandbox/netns-created"). Enabled,
// reaching it logs "failpoint reached STEP" and blocks the goroutine until the process is killed,
// so a test can SIGKILL the agent at exactly that step. The set is read once at start from
// MINIKUBELET_FAILPOINTS and passed down as a *Points value; a nil *Points, which production
// always has, enables nothing and costs one nil check.
package faults
