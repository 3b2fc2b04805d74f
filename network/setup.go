package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
)

// rollbackTimeout bounds the DELs that undo a failed Setup; they run under a
// fresh context, since the caller's may be the reason Setup failed.
const rollbackTimeout = time.Minute

// Setup attaches the sandbox's netns to the pod network: ADD of the loopback
// network, then of the main network on eth0 with the pod's hostPorts. If any
// step fails, Setup tears down what it did before returning the error. A hung
// plugin is killed when ctx ends or the setup timeout passes.
func (m *Manager) Setup(ctx context.Context, a Attachment) (_ Result, err error) {
	if err := a.validate(); err != nil {
		return Result{}, fmt.Errorf("set up pod network: %w", err)
	}
	if a.NetnsPath == "" {
		return Result{}, fmt.Errorf("set up pod network for sandbox %s: no netns path", a.SandboxID)
	}
	log := m.log.With("pod", a.PodNamespace+"/"+a.PodName, "sandbox", a.SandboxID)

	// Register the rollback before the first ADD: an ADD can half-succeed,
	// and DEL is safe on whatever it left.
	defer func() {
		if err == nil {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		if terr := m.Teardown(rctx, a); terr != nil {
			err = errors.Join(err, fmt.Errorf("roll back pod network: %w", terr))
		}
	}()

	addCtx, cancel := context.WithTimeoutCause(ctx, m.timeout,
		fmt.Errorf("CNI ADD timed out after %s: %w", m.timeout, context.DeadlineExceeded))
	defer cancel()
	if _, err := m.add(addCtx, m.loopback, runtimeConf(a, a.NetnsPath, loopbackIfName)); err != nil {
		return Result{}, err
	}
	res, err := m.add(addCtx, m.network, runtimeConf(a, a.NetnsPath, podIfName))
	if err != nil {
		return Result{}, err
	}
	ips, err := podIPs(res, podIfName)
	if err != nil {
		return Result{}, fmt.Errorf("network %q result for sandbox %s: %w", m.network.Name, a.SandboxID, err)
	}
	if len(ips) == 0 {
		return Result{}, fmt.Errorf("network %q gave sandbox %s no IP on %s", m.network.Name, a.SandboxID, podIfName)
	}
	log.Info("pod network set up", "network", m.network.Name, "ips", ips)
	return Result{IPs: ips}, nil
}

func (m *Manager) add(ctx context.Context, list *libcni.NetworkConfigList, rt *libcni.RuntimeConf) (types.Result, error) {
	m.log.Debug("CNI ADD", "network", list.Name, "sandbox", rt.ContainerID, "netns", rt.NetNS, "ifname", rt.IfName)
	res, err := m.cni.AddNetworkList(ctx, list, rt)
	if err != nil {
		return nil, fmt.Errorf("add sandbox %s to network %q: %w", rt.ContainerID, list.Name, withCtxErr(ctx, err))
	}
	return res, nil
}

// podIPs converts a plugin result to the current CNI result version and
// returns the IPs of the interface ifName inside the sandbox, IPv4 first. An
// IP that names no interface is taken as the pod's.
func podIPs(res types.Result, ifName string) ([]net.IP, error) {
	r, err := current.NewResultFromResult(res)
	if err != nil {
		return nil, fmt.Errorf("convert CNI result: %w", err)
	}
	var v4, v6 []net.IP
	for n, ipc := range r.IPs {
		if len(ipc.Address.IP) != net.IPv4len && len(ipc.Address.IP) != net.IPv6len {
			return nil, fmt.Errorf("IP %d of the result has no address", n)
		}
		if ipc.Interface != nil {
			i := *ipc.Interface
			if i < 0 || i >= len(r.Interfaces) {
				return nil, fmt.Errorf("IP %s names interface %d of %d", ipc.Address.IP, i, len(r.Interfaces))
			}
			if iface := r.Interfaces[i]; iface.Sandbox == "" || iface.Name != ifName {
				continue
			}
		}
		if ip4 := ipc.Address.IP.To4(); ip4 != nil {
			v4 = append(v4, ip4)
		} else {
			v6 = append(v6, ipc.Address.IP)
		}
	}
	return append(v4, v6...), nil
}

// withCtxErr puts why ctx ended in front of a plugin error when it has ended:
// libcni reports a killed plugin only as "signal: killed".
func withCtxErr(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	if cause := context.Cause(ctx); !errors.Is(err, cause) {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}
