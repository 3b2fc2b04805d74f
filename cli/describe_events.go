package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "k8s.io/api/core/v1"
)

// describeEvents writes kubectl's events table, oldest first:
//
//	Events:
//	  Type     Reason   Age                From     Message
//	  ----     ------   ----               ----     -------
//	  Warning  BackOff  10s (x3 over 2m)   kubelet  spec.containers{app}: Back-off restarting failed container
//
// or "Events: <none>". The table is aligned on its own.
func describeEvents(w *describeWriter, events []v1.Event, now time.Time) error {
	if len(events) == 0 {
		w.line(level0, "Events:\t<none>\n")
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b v1.Event) int { return eventTime(a).Compare(eventTime(b)) })
	w.line(level0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
	w.line(level1, "----\t------\t----\t----\t-------\n")
	for _, e := range sorted {
		source := e.Source.Component
		if source == "" {
			source = e.ReportingController
		}
		message := strings.TrimSpace(e.Message)
		if e.InvolvedObject.FieldPath != "" {
			message = e.InvolvedObject.FieldPath + ": " + message
		}
		w.line(level1, "%s\t%s\t%s\t%s\t%s\n", e.Type, e.Reason, eventAge(e, now), source, message)
	}
	return nil
}

// eventAge is kubectl's AGE of an event: the time since it was first seen, or
// for a repeated event the time since it was last seen with the count and the
// time since the first, "10s (x3 over 2m)".
func eventAge(e v1.Event, now time.Time) string {
	first := age(e.EventTime.Time, now)
	if e.EventTime.IsZero() {
		first = age(e.FirstTimestamp.Time, now)
	}
	switch {
	case e.Series != nil:
		return fmt.Sprintf("%s (x%d over %s)", age(e.Series.LastObservedTime.Time, now), e.Series.Count, first)
	case e.Count > 1:
		return fmt.Sprintf("%s (x%d over %s)", age(e.LastTimestamp.Time, now), e.Count, first)
	default:
		return first
	}
}

// eventTime is when an event was last seen, for sorting.
func eventTime(e v1.Event) time.Time {
	switch {
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	default:
		return e.EventTime.Time
	}
}
