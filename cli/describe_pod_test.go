package cli

import (
	"bytes"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPrintPodDescription(t *testing.T) {
	tests := []struct {
		name   string
		pod    *v1.Pod
		events []v1.Event
		want   string
	}{
		{
			name: "running pod with an init container and two containers",
			pod:  webPod(),
			events: []v1.Event{
				kubeletEvent("server", v1.EventTypeNormal, "Started", "Started container server", 1, 298*time.Second, 298*time.Second),
				kubeletEvent("init-config", v1.EventTypeNormal, "Pulled", `Container image "busybox:1.36" already present on machine`, 1, 5*time.Minute, 5*time.Minute),
				kubeletEvent("server", v1.EventTypeWarning, "Unhealthy", "Readiness probe failed: connection refused", 3, 297*time.Second, 290*time.Second),
			},
			want: `Name:         web
Namespace:    default
Node:         node1/192.168.1.10
Start Time:   Sun, 01 Jun 2025 11:55:00 +0000
Labels:       app=web
              tier=frontend
Annotations:  minikubelet.io/source: /etc/minikubelet/pods/web.yaml
Status:       Running
IP:           10.88.0.7
IPs:
  IP:  10.88.0.7
  IP:  fd00::7
Init Containers:
  init-config:
    Container ID:  containerd://1111
    Image:         busybox:1.36
    Image ID:      sha256:aaaa
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      echo ready > /config/state
    State:          Terminated
      Reason:       Completed
      Exit Code:    0
      Started:      Sun, 01 Jun 2025 11:55:00 +0000
      Finished:     Sun, 01 Jun 2025 11:55:01 +0000
    Ready:          False
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /config from config (rw)
Containers:
  server:
    Container ID:  containerd://2222
    Image:         busybox:1.36
    Image ID:      sha256:aaaa
    Port:          8080/TCP (http)
    Host Port:     18080/TCP (http)
    Command:
      httpd
      -f
    Args:
      -p
      8080
      -h
      /www
    State:          Running
      Started:      Sun, 01 Jun 2025 11:55:02 +0000
    Ready:          True
    Restart Count:  0
    Limits:
      memory:  64Mi
    Requests:
      cpu:      100m
      memory:   32Mi
    Liveness:   tcp-socket :8080 delay=3s timeout=1s period=10s #success=1 #failure=3
    Readiness:  http-get http://:http/healthz delay=0s timeout=1s period=5s #success=1 #failure=3
    Environment:
      MODE:       production
      POD_NAME:   web (v1:metadata.name)
      POD_IP:      (v1:status.podIP)
      MEM_LIMIT:  64 (limits.memory)
    Mounts:
      /etc/app/state from config (ro,path="state")
      /www from www (rw)
  sidecar:
    Container ID:  containerd://3333
    Image:         busybox:1.36
    Image ID:      sha256:aaaa
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      while true; do
        date
        sleep 60
      done
    State:          Running
      Started:      Sun, 01 Jun 2025 11:55:02 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:         <none>
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       True 
  ContainersReady             True 
  PodScheduled                True 
Volumes:
  www:
    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)
    Medium:     
    SizeLimit:  <unset>
  config:
    Type:          HostPath (bare host directory volume)
    Path:          /srv/web
    HostPathType:  Directory
QoS Class:         Burstable
Node-Selectors:    <none>
Tolerations:       <none>
Events:
  Type     Reason     Age                    From     Message
  ----     ------     ----                   ----     -------
  Normal   Pulled     5m                     kubelet  spec.containers{init-config}: Container image "busybox:1.36" already present on machine
  Normal   Started    4m58s                  kubelet  spec.containers{server}: Started container server
  Warning  Unhealthy  4m50s (x3 over 4m57s)  kubelet  spec.containers{server}: Readiness probe failed: connection refused
`,
		},
		{
			name: "crash-looping container with its last state",
			pod:  crashingWebPod(),
			events: []v1.Event{
				kubeletEvent("app", v1.EventTypeNormal, "Pulled", `Container image "busybox:1.36" already present on machine`, 7, 10*time.Minute, 75*time.Second),
				kubeletEvent("app", v1.EventTypeNormal, "Created", "Created container: app", 7, 10*time.Minute, 75*time.Second),
				kubeletEvent("app", v1.EventTypeNormal, "Started", "Started container app", 7, 10*time.Minute, 75*time.Second),
				kubeletEvent("app", v1.EventTypeWarning, "BackOff", "Back-off restarting failed container app in pod crasher_default(uid)", 40, 9*time.Minute+50*time.Second, 3*time.Second),
			},
			want: `Name:         crasher
Namespace:    default
Node:         node1/192.168.1.10
Start Time:   Sun, 01 Jun 2025 11:50:00 +0000
Labels:       app=crasher
Annotations:  <none>
Status:       Running
IP:           10.88.0.9
IPs:
  IP:  10.88.0.9
Containers:
  app:
    Container ID:  containerd://4444
    Image:         busybox:1.36
    Image ID:      sha256:aaaa
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      exit 1
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Message:      exit status 1
      Exit Code:    1
      Started:      Sun, 01 Jun 2025 11:58:45 +0000
      Finished:     Sun, 01 Jun 2025 11:58:46 +0000
    Ready:          False
    Restart Count:  6
    Environment:    <none>
    Mounts:         <none>
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       False 
  ContainersReady             False 
  PodScheduled                True 
Volumes:                      <none>
QoS Class:                    BestEffort
Node-Selectors:               <none>
Tolerations:                  <none>
Events:
  Type     Reason   Age                  From     Message
  ----     ------   ----                 ----     -------
  Normal   Pulled   75s (x7 over 10m)    kubelet  spec.containers{app}: Container image "busybox:1.36" already present on machine
  Normal   Created  75s (x7 over 10m)    kubelet  spec.containers{app}: Created container: app
  Normal   Started  75s (x7 over 10m)    kubelet  spec.containers{app}: Started container app
  Warning  BackOff  3s (x40 over 9m50s)  kubelet  spec.containers{app}: Back-off restarting failed container app in pod crasher_default(uid)
`,
		},
		{
			name: "pending pod with a reason",
			pod:  pendingPod(),
			events: []v1.Event{
				kubeletEvent("", v1.EventTypeWarning, "HostPortConflict", "hostPort 80/TCP is already used by pod default/web\n", 1, 20*time.Second, 20*time.Second),
			},
			want: `Name:                 proxy
Namespace:            edge
Priority:             1000
Priority Class Name:  edge-critical
Node:                 node1/192.168.1.10
Labels:               <none>
Annotations:          example.com/note:
                        first line
                        second line
Status:               Pending
Reason:               HostPortConflict
Message:              hostPort 80/TCP is already used by pod default/web
IP:                   
IPs:                  <none>
Containers:
  proxy:
    Image:       envoy:v1
    Ports:       8080/TCP (http), 9901/TCP
    Host Ports:  80/TCP (http), 0/TCP
    Startup:     exec [cat /ready] delay=0s timeout=1s period=2s #success=1 #failure=30
    Environment:
      TOKEN:     <set to the key 'token' in secret 'edge'>  Optional: false
      GREETING:  hello
                 world
    Mounts:      <none>
Conditions:
  Type           Status
  PodScheduled   True 
Volumes:         <none>
QoS Class:       BestEffort
Node-Selectors:  kubernetes.io/os=linux
Tolerations:     op=Exists
                 dedicated=edge:NoSchedule
                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason            Age   From     Message
  ----     ------            ----  ----     -------
  Warning  HostPortConflict  20s   kubelet  hostPort 80/TCP is already used by pod default/web
`,
		},
		{
			name: "terminating pod",
			pod:  terminatingPod(),
			events: []v1.Event{
				kubeletEvent("app", v1.EventTypeNormal, "Killing", "Stopping container app", 1, 12*time.Second, 12*time.Second),
			},
			want: `Name:                      leaving
Namespace:                 default
Node:                      node1/192.168.1.10
Start Time:                Sun, 01 Jun 2025 11:50:00 +0000
Labels:                    <none>
Annotations:               <none>
Status:                    Terminating (lasts 12s)
Termination Grace Period:  30s
IP:                        10.88.0.9
IPs:
  IP:  10.88.0.9
Containers:
  app:
    Container ID:  containerd://5555
    Image:         busybox:1.36
    Image ID:      sha256:aaaa
    Port:          <none>
    Host Port:     <none>
    Command:
      sh
      -c
      exit 1
    State:          Running
      Started:      Sun, 01 Jun 2025 11:51:00 +0000
    Ready:          True
    Restart Count:  0
    Environment:    <none>
    Mounts:         <none>
Conditions:
  Type                        Status
  PodReadyToStartContainers   True 
  Initialized                 True 
  Ready                       True 
  ContainersReady             True 
  PodScheduled                True 
Volumes:                      <none>
QoS Class:                    BestEffort
Node-Selectors:               <none>
Tolerations:                  <none>
Events:
  Type    Reason   Age   From     Message
  ----    ------   ----  ----     -------
  Normal  Killing  12s   kubelet  spec.containers{app}: Stopping container app
`,
		},
		{
			name: "bare pod without status or events",
			pod: &v1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "default"},
				Spec: v1.PodSpec{Containers: []v1.Container{{
					Name: "c", Image: "busybox",
					Resources: v1.ResourceRequirements{Limits: v1.ResourceList{
						v1.ResourceCPU: resource.MustParse("500m"), v1.ResourceMemory: resource.MustParse("128Mi"),
					}},
				}}},
			},
			want: `Name:         bare
Namespace:    default
Node:         <none>
Labels:       <none>
Annotations:  <none>
Status:       
IP:           
IPs:          <none>
Containers:
  c:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Limits:
      cpu:        500m
      memory:     128Mi
    Environment:  <none>
    Mounts:       <none>
Volumes:          <none>
QoS Class:        <none>
Node-Selectors:   <none>
Tolerations:      <none>
Events:           <none>
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := PrintPodDescription(&buf, tc.pod, tc.events, testNow); err != nil {
				t.Fatalf("PrintPodDescription: %v", err)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
