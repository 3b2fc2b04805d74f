package sandbox

import (
	"reflect"
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodHostname(t *testing.T) {
	long := strings.Repeat("a", 70)
	tests := []struct {
		name     string
		podName  string
		hostname string
		want     string
	}{
		{name: "pod name", podName: "web", want: "web"},
		{name: "spec.hostname wins", podName: "web", hostname: "front", want: "front"},
		{name: "exactly 63 kept", podName: strings.Repeat("b", 63), want: strings.Repeat("b", 63)},
		{name: "long name cut to 63", podName: long, want: long[:63]},
		{name: "cut leaves a trailing dash", podName: strings.Repeat("c", 62) + "-x", want: strings.Repeat("c", 62)},
		{name: "cut leaves trailing dashes and dots", podName: strings.Repeat("d", 60) + ".-.-zz", want: strings.Repeat("d", 60)},
		{name: "trailing dash within 63 kept", podName: "web-", want: "web-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: tc.podName}, Spec: v1.PodSpec{Hostname: tc.hostname}}
			got := PodHostname(pod)
			if got != tc.want {
				t.Errorf("PodHostname = %q, want %q", got, tc.want)
			}
			if len(got) > 63 {
				t.Errorf("PodHostname is %d characters, more than 63", len(got))
			}
		})
	}
}

const podHostsHeader = "# Kubernetes-managed hosts file.\n" +
	"127.0.0.1\tlocalhost\n" +
	"::1\tlocalhost ip6-localhost ip6-loopback\n" +
	"fe00::0\tip6-localnet\n" +
	"fe00::0\tip6-mcastprefix\n" +
	"fe00::1\tip6-allnodes\n" +
	"fe00::2\tip6-allrouters\n"

func TestHostsFile(t *testing.T) {
	aliases := []v1.HostAlias{
		{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}},
		{IP: "10.1.2.4", Hostnames: []string{"baz"}},
	}
	const aliasSection = "\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz\n"
	tests := []struct {
		name      string
		spec      v1.PodSpec
		ips       []string
		nodeHosts string
		want      string
	}{
		{
			name:      "pod network: localhost lines and the pod IP under its hostname",
			ips:       []string{"10.66.0.5"},
			nodeHosts: "1.2.3.4 node-only\n",
			want:      podHostsHeader + "10.66.0.5\tweb\n",
		},
		{
			name: "pod network, dual stack, spec.hostname",
			spec: v1.PodSpec{Hostname: "front"},
			ips:  []string{"10.66.0.5", "fd00::5"},
			want: podHostsHeader + "10.66.0.5\tfront\nfd00::5\tfront\n",
		},
		{
			name: "pod network with hostAliases",
			spec: v1.PodSpec{HostAliases: aliases},
			ips:  []string{"10.66.0.5"},
			want: podHostsHeader + "10.66.0.5\tweb\n" + aliasSection,
		},
		{
			name:      "hostNetwork keeps the node's file",
			spec:      v1.PodSpec{HostNetwork: true},
			ips:       []string{"192.168.1.10"},
			nodeHosts: "127.0.0.1 localhost\n192.168.1.10 node1\n",
			want:      "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.10 node1\n",
		},
		{
			name:      "hostNetwork: a node file without a final newline gets one",
			spec:      v1.PodSpec{HostNetwork: true},
			nodeHosts: "127.0.0.1 localhost",
			want:      "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n",
		},
		{
			name:      "hostNetwork with hostAliases",
			spec:      v1.PodSpec{HostNetwork: true, HostAliases: aliases},
			nodeHosts: "127.0.0.1 localhost\n",
			want:      "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n" + aliasSection,
		},
		{
			name: "hostNetwork with an empty node file",
			spec: v1.PodSpec{HostNetwork: true},
			want: "# Kubernetes-managed hosts file (host network).\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: tc.spec}
			got := string(hostsFile(pod, tc.ips, []byte(tc.nodeHosts)))
			if got != tc.want {
				t.Errorf("hostsFile =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestParseResolvConf(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want dnsConfig
	}{
		{name: "empty", in: "", want: dnsConfig{}},
		{
			name: "typical",
			in:   "nameserver 1.1.1.1\nnameserver 8.8.8.8\nsearch a.example b.example\noptions ndots:2 edns0\n",
			want: dnsConfig{servers: []string{"1.1.1.1", "8.8.8.8"}, searches: []string{"a.example", "b.example"},
				options: []string{"ndots:2", "edns0"}},
		},
		{
			name: "comments with # and ; skipped, also after a value",
			in:   "# generated\n; old style\nnameserver 9.9.9.9 # quad9\n#nameserver 1.2.3.4\n",
			want: dnsConfig{servers: []string{"9.9.9.9"}},
		},
		{
			name: "the last search line wins",
			in:   "search one.example\nsearch two.example three.example\n",
			want: dnsConfig{searches: []string{"two.example", "three.example"}},
		},
		{
			name: "domain sets a single search entry",
			in:   "domain corp.example\n",
			want: dnsConfig{searches: []string{"corp.example"}},
		},
		{
			name: "options lines accumulate",
			in:   "options ndots:1\noptions rotate timeout:2\n",
			want: dnsConfig{options: []string{"ndots:1", "rotate", "timeout:2"}},
		},
		{
			name: "keywords without a value and unknown keywords ignored",
			in:   "nameserver\nsearch\nsortlist 10.0.0.0/8\n  nameserver   10.0.0.1  \n",
			want: dnsConfig{servers: []string{"10.0.0.1"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseResolvConf([]byte(tc.in))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseResolvConf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestResolvConf(t *testing.T) {
	str := func(s string) *string { return &s }
	const node = "nameserver 127.0.0.53\nnameserver 192.168.1.1\nsearch lan\noptions edns0 trust-ad ndots:1\n"
	tests := []struct {
		name         string
		spec         v1.PodSpec
		node         string
		want         string
		wantWarnings []string // substrings, one per warning, in order
	}{
		{
			name:         "ClusterFirst uses the node's file, loopback servers dropped in the pod network",
			spec:         v1.PodSpec{DNSPolicy: v1.DNSClusterFirst},
			node:         node,
			want:         "search lan\nnameserver 192.168.1.1\noptions edns0 trust-ad ndots:1\n",
			wantWarnings: []string{"nameserver 127.0.0.53 of the node is a loopback address"},
		},
		{
			name:         "Default behaves the same",
			spec:         v1.PodSpec{DNSPolicy: v1.DNSDefault},
			node:         node,
			want:         "search lan\nnameserver 192.168.1.1\noptions edns0 trust-ad ndots:1\n",
			wantWarnings: []string{"127.0.0.53"},
		},
		{
			name:         "IPv6 loopback dropped too",
			spec:         v1.PodSpec{DNSPolicy: v1.DNSDefault},
			node:         "nameserver ::1\nnameserver 10.0.0.1\n",
			want:         "nameserver 10.0.0.1\n",
			wantWarnings: []string{"nameserver ::1"},
		},
		{
			name: "hostNetwork keeps loopback servers",
			spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirstWithHostNet, HostNetwork: true},
			node: node,
			want: "search lan\nnameserver 127.0.0.53\nnameserver 192.168.1.1\noptions edns0 trust-ad ndots:1\n",
		},
		{
			name: "None ignores the node and uses only dnsConfig",
			spec: v1.PodSpec{DNSPolicy: v1.DNSNone, DNSConfig: &v1.PodDNSConfig{
				Nameservers: []string{"1.1.1.1"}, Searches: []string{"svc.example"},
				Options: []v1.PodDNSConfigOption{{Name: "ndots", Value: str("5")}}}},
			node: node,
			want: "search svc.example\nnameserver 1.1.1.1\noptions ndots:5\n",
		},
		{
			name: "None without dnsConfig gives an empty file",
			spec: v1.PodSpec{DNSPolicy: v1.DNSNone},
			node: node,
			want: "",
		},
		{
			name: "None keeps a loopback server the user asked for",
			spec: v1.PodSpec{DNSPolicy: v1.DNSNone, DNSConfig: &v1.PodDNSConfig{Nameservers: []string{"127.0.0.1"}}},
			want: "nameserver 127.0.0.1\n",
		},
		{
			name: "dnsConfig merged: servers appended uniquely, searches appended, options override by name",
			spec: v1.PodSpec{DNSPolicy: v1.DNSDefault, DNSConfig: &v1.PodDNSConfig{
				Nameservers: []string{"192.168.1.1", "8.8.8.8"},
				Searches:    []string{"extra.example", "lan"},
				Options: []v1.PodDNSConfigOption{
					{Name: "ndots", Value: str("3")},
					{Name: "edns0"},
					{Name: "single-request"},
				}}},
			node:         node,
			want:         "search lan extra.example\nnameserver 192.168.1.1\nnameserver 8.8.8.8\noptions edns0 trust-ad ndots:3 single-request\n",
			wantWarnings: []string{"127.0.0.53"},
		},
		{
			name: "an option with a value replaces one without",
			spec: v1.PodSpec{DNSPolicy: v1.DNSDefault, DNSConfig: &v1.PodDNSConfig{
				Options: []v1.PodDNSConfigOption{{Name: "timeout", Value: str("5")}}}},
			node: "nameserver 10.0.0.1\noptions timeout\n",
			want: "nameserver 10.0.0.1\noptions timeout:5\n",
		},
		{
			name: "more than 3 servers cut with a warning",
			spec: v1.PodSpec{DNSPolicy: v1.DNSDefault, DNSConfig: &v1.PodDNSConfig{
				Nameservers: []string{"10.0.0.3", "10.0.0.4"}}},
			node:         "nameserver 10.0.0.1\nnameserver 10.0.0.2\n",
			want:         "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n",
			wantWarnings: []string{"more than 3 nameservers; kept 10.0.0.1, 10.0.0.2, 10.0.0.3"},
		},
		{
			name: "unreadable node file: only dnsConfig",
			spec: v1.PodSpec{DNSPolicy: v1.DNSClusterFirst, DNSConfig: &v1.PodDNSConfig{Nameservers: []string{"1.1.1.1"}}},
			want: "nameserver 1.1.1.1\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: tc.spec}
			got, warnings := resolvConf(pod, []byte(tc.node))
			if string(got) != tc.want {
				t.Errorf("resolvConf =\n%s\nwant\n%s", got, tc.want)
			}
			if len(warnings) != len(tc.wantWarnings) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tc.wantWarnings), tc.wantWarnings)
			}
			for i, w := range tc.wantWarnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to mention %q", i, warnings[i], w)
				}
			}
		})
	}
}
