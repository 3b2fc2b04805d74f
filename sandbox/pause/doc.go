// Package pause holds pause.c, the program a pod sandbox runs as its PID 1, as Kubernetes' pause
// container: it keeps the pod's namespaces alive, exits 0 on SIGINT or SIGTERM and reaps the zombies
// of a shared PID namespace. It is C, not Go, to stay tiny: the Makefile builds it with
//
//	gcc -static -Os -s -o pause sandbox/pause/pause.c
//
// and the agent packs the binary into the pause image at start-up. This Go package only holds the
// program's tests, which compile it and run it for real.
package pause
