package network

import (
	"bufio"
	"net"
	"os"
	"strings"
)

// NodeIPs are the node's addresses as pods and status see them (status.hostIP): the IPv4 address of
// the interface holding the default route, else the first global unicast address, else loopback.
func NodeIPs() []string {
	if name := defaultRouteInterface(); name != "" {
		if iface, err := net.InterfaceByName(name); err == nil {
			if ip := firstGlobal(iface); ip != "" {
				return []string{ip}
			}
		}
	}
	ifaces, err := net.Interfaces()
	if err == nil {
		for i := range ifaces {
			if ifaces[i].Flags&net.FlagLoopback != 0 || ifaces[i].Flags&net.FlagUp == 0 {
				continue
			}
			if ip := firstGlobal(&ifaces[i]); ip != "" {
				return []string{ip}
			}
		}
	}
	return []string{"127.0.0.1"}
}

func firstGlobal(iface *net.Interface) string {
	addrs, err := iface.Addrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// defaultRouteInterface reads the IPv4 routing table for the interface of the default route.
func defaultRouteInterface() string {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 2 && fields[1] == "00000000" && fields[0] != "Iface" {
			return fields[0]
		}
	}
	return ""
}
