package network

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/containernetworking/cni/libcni"
	"golang.org/x/sys/unix"
)

// Teardown detaches the sandbox: DEL of the main network, then of loopback.
// It is idempotent: a sandbox never set up, or whose netns is already gone,
// tears down fine, and the IPAM lease and iptables rules are still freed (the
// plugins get an empty netns, as the CNI spec allows; the bridge plugin's
// masquerade rules, which it cannot free then, Teardown removes itself). Every
// step runs; their errors are returned joined.
func (m *Manager) Teardown(ctx context.Context, a Attachment) error {
	if err := a.validate(); err != nil {
		return fmt.Errorf("tear down pod network: %w", err)
	}
	netns, err := netnsForDelete(a.NetnsPath)
	if err != nil {
		return fmt.Errorf("tear down pod network for sandbox %s: %w", a.SandboxID, err)
	}
	mainRT := runtimeConf(a, netns, podIfName)
	var errs []error
	var sweep *masqSweep
	if netns == "" {
		m.log.Debug("netns gone, deleting with an empty netns", "sandbox", a.SandboxID, "netns", a.NetnsPath)
		if sweep, err = m.planMasqSweep(mainRT); err != nil {
			errs = append(errs, err)
		}
	}
	mainErr := m.del(ctx, m.network, mainRT)
	errs = append(errs, mainErr, m.del(ctx, m.loopback, runtimeConf(a, netns, loopbackIfName)))
	if sweep != nil && mainErr == nil {
		errs = append(errs, sweep.run(ctx))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tear down pod network for sandbox %s: %w", a.SandboxID, err)
	}
	m.log.Info("pod network torn down", "pod", a.PodNamespace+"/"+a.PodName, "sandbox", a.SandboxID)
	return nil
}

func (m *Manager) del(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) error {
	m.log.Debug("CNI DEL", "network", list.Name, "sandbox", rt.ContainerID, "netns", rt.NetNS, "ifname", rt.IfName)
	if err := m.cni.DelNetworkList(ctx, list, rt); err != nil {
		return fmt.Errorf("delete from network %q: %w", list.Name, withCtxErr(ctx, err))
	}
	return nil
}

// netnsForDelete returns the netns path to hand the plugins on DEL: the path
// itself while it is still a network namespace, "" once it is gone (removed,
// or an unmounted pin file left behind), so the plugins only free what lives
// outside it.
func netnsForDelete(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("stat netns %s: %w", path, err)
	}
	switch uint32(st.Type) {
	case unix.NSFS_MAGIC, unix.PROC_SUPER_MAGIC:
		return path, nil
	default:
		return "", nil
	}
}
