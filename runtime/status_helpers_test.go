package runtime

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
)

// Helpers to read a generated v1.PodStatus in tests.

// stateOf sums up a container state as "running", "waiting:REASON" or "terminated:CODE:REASON".
func stateOf(s v1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "running"
	case s.Waiting != nil:
		return "waiting:" + s.Waiting.Reason
	case s.Terminated != nil:
		return fmt.Sprintf("terminated:%d:%s", s.Terminated.ExitCode, s.Terminated.Reason)
	}
	return ""
}

func statesOf(list []v1.ContainerStatus) []string {
	var out []string
	for _, cs := range list {
		out = append(out, stateOf(cs.State))
	}
	return out
}

func conditionOf(st v1.PodStatus, typ v1.PodConditionType) *v1.PodCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			return &st.Conditions[i]
		}
	}
	return nil
}

// condSummary is "True", "False" or "STATUS/REASON".
func condSummary(c *v1.PodCondition) string {
	if c == nil {
		return "missing"
	}
	if c.Reason == "" {
		return string(c.Status)
	}
	return string(c.Status) + "/" + c.Reason
}

func containerStatusOf(list []v1.ContainerStatus, name string) v1.ContainerStatus {
	for _, cs := range list {
		if cs.Name == name {
			return cs
		}
	}
	return v1.ContainerStatus{}
}

// withMains adds main container instances to the observed state of an initialised pod.
func withMains(cs ...*ContainerStatus) func() *PodStatus {
	return func() *PodStatus {
		s := initialised()
		s.Containers = append(s.Containers, cs...)
		return s
	}
}
