package main

import "fmt"

// onePod is a one-container busybox pod whose process exits on SIGTERM, so that deletion measures
// the agent, not a grace period.
func onePod(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]
`, name)
}

// seedPod is the runtime issue's pod: two init containers, two containers, two hostPorts.
func seedPod(name string, port1, port2 int) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  initContainers:
  - {name: init-a, image: busybox:1.35, command: ["echo", "first init"]}
  - {name: init-b, image: busybox:1.35, command: ["echo", "second init"]}
  containers:
  - name: server
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; httpd -p 6379 -h /www; while :; do sleep 1 & wait; done"]
    ports: [{containerPort: 6379, hostPort: %d}]
  - name: sidecar
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; httpd -p 8080 -h /www; while :; do sleep 1 & wait; done"]
    ports: [{containerPort: 8080, hostPort: %d}]
`, name, port1, port2)
}

// probedPod is onePod serving HTTP, with an HTTP readiness and a TCP liveness probe each second.
func probedPod(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  containers:
  - name: main
    image: busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /www; echo ok > /www/index.html; httpd -p 8080 -h /www; while :; do sleep 1 & wait; done"]
    readinessProbe: {httpGet: {path: /, port: 8080}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`, name)
}
