package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

// The bridge plugin removes its per-pod masquerade rules on DEL only when it
// can enter the netns: it learns the pod's addresses from eth0 there
// (containernetworking/plugins#810, still open for v1.5). When the netns is
// already gone, Teardown removes those rules itself, found by the comment the
// plugin puts on them, for the addresses libcni cached at ADD.

// masqSweep is the leftover masquerade state of one sandbox to remove.
type masqSweep struct {
	comment string   // the bridge plugin's rule comment: name: "NET" id: "SANDBOX"
	ips     []net.IP // the pod's addresses, from libcni's cached ADD result
}

// usesBridgeIPMasq reports whether the network has a bridge plugin with
// ipMasq on.
func usesBridgeIPMasq(list *libcni.NetworkConfigList) bool {
	for _, p := range list.Plugins {
		if p.Network.Type != "bridge" {
			continue
		}
		var conf struct {
			IPMasq bool `json:"ipMasq"`
		}
		if json.Unmarshal(p.Bytes, &conf) == nil && conf.IPMasq {
			return true
		}
	}
	return false
}

// planMasqSweep reads what to sweep for a sandbox; it must run before the DEL,
// which drops libcni's cached result. nil means nothing to sweep.
func (m *Manager) planMasqSweep(rt *libcni.RuntimeConf) (*masqSweep, error) {
	if !m.ipMasq {
		return nil, nil
	}
	res, err := m.cni.GetNetworkListCachedResult(m.network, rt)
	if err != nil {
		return nil, fmt.Errorf("read cached CNI result of sandbox %s: %w", rt.ContainerID, err)
	}
	if res == nil {
		return nil, nil
	}
	ips, err := podIPs(res, podIfName)
	if err != nil {
		return nil, fmt.Errorf("cached CNI result of sandbox %s: %w", rt.ContainerID, err)
	}
	return &masqSweep{comment: fmt.Sprintf("name: %q id: %q", m.network.Name, rt.ContainerID), ips: ips}, nil
}

// run removes, per pod address, the POSTROUTING rule that sends the pod's
// traffic to its masquerade chain, then the chain.
func (s *masqSweep) run(ctx context.Context) error {
	var errs []error
	for _, ip := range s.ips {
		tool, src := "iptables", ip.String()+"/32"
		if ip.To4() == nil {
			tool, src = "ip6tables", ip.String()+"/128"
		}
		if err := removeMasqChains(ctx, tool, src, s.comment); err != nil {
			errs = append(errs, fmt.Errorf("remove masquerade rules of %s: %w", ip, err))
		}
	}
	return errors.Join(errs...)
}

func removeMasqChains(ctx context.Context, tool, src, comment string) error {
	out, err := iptables(ctx, tool, "-t", "nat", "-S", "POSTROUTING")
	if err != nil {
		return err
	}
	// iptables -S quotes the comment the way strconv.Quote does for it.
	match := " -s " + src + " -m comment --comment " + strconv.Quote(comment) + " -j "
	for _, line := range strings.Split(out, "\n") {
		_, chain, ok := strings.Cut(line, match)
		if !ok || !strings.HasPrefix(chain, "CNI-") || strings.ContainsAny(chain, " \t") {
			continue
		}
		for _, args := range [][]string{
			{"-t", "nat", "-D", "POSTROUTING", "-s", src, "-m", "comment", "--comment", comment, "-j", chain},
			{"-t", "nat", "-F", chain},
			{"-t", "nat", "-X", chain},
		} {
			if _, err := iptables(ctx, tool, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

func iptables(ctx context.Context, tool string, args ...string) (string, error) {
	args = append([]string{"-w"}, args...)
	out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
