package main

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// dist summarises a sample of durations.
type dist struct {
	N             int
	P50, P90, Max time.Duration
}

func summarize(samples []time.Duration) dist {
	if len(samples) == 0 {
		return dist{}
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return dist{N: len(s), P50: at(0.5), P90: at(0.9), Max: s[len(s)-1]}
}

// procStat reads a process's CPU time (user+system) and its current and peak RSS.
func procStat(pid int) (cpu time.Duration, rss, peak int64, err error) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	cpu = time.Duration(utime+stime) * time.Second / ticks
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return cpu, rss, peak, nil
}

// cpuOver measures a process's CPU use over d, as a fraction of one core.
func cpuOver(pid int, d time.Duration) (float64, error) {
	c1, _, _, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	time.Sleep(d) // the measurement window itself
	c2, _, _, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	return float64(c2-c1) / float64(time.Since(start)), nil
}
