package containerd

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capSysResource is CAP_SYS_RESOURCE's bit: needed to lower an oom_score_adj.
const capSysResource = 24

// hasCapability tells whether the agent holds a capability in its effective set; containerd and
// runc, started by the same root, are assumed to hold what it holds.
func hasCapability(bit uint) (bool, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return false, fmt.Errorf("read own capabilities: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if hex, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			if err != nil {
				return false, fmt.Errorf("parse CapEff %q: %w", hex, err)
			}
			return caps&(1<<bit) != 0, nil
		}
	}
	return false, fmt.Errorf("no CapEff in /proc/self/status")
}
