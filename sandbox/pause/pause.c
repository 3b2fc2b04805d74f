//go:build ignore

/*
 * pause: the PID 1 of a minikubelet pod sandbox, as Kubernetes' pause container.
 *
 * It holds the pod's namespaces open and does nothing else: it blocks in pause(),
 * exits 0 promptly on SIGINT or SIGTERM, and on SIGCHLD reaps every exited child,
 * so it can be PID 1 of a shared PID namespace without leaving zombies.
 *
 * Build: gcc -static -Os -s -o pause sandbox/pause/pause.c
 * (The go:build line above keeps the Go tool from treating this file as cgo.)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VERSION "minikubelet-pause 1.0"

static void on_stop(int sig) {
	(void)sig;
	_exit(0);
}

static void reap(int sig) {
	int saved = errno;
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(int argc, char **argv) {
	struct sigaction sa;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		puts(VERSION);
		return 0;
	}

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	sa.sa_handler = reap;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL) < 0) {
		perror("pause: sigaction");
		return 1;
	}
	/* Children that exited before the handler was in place sent no signal we saw. */
	reap(0);

	if (getpid() != 1)
		fprintf(stderr, "pause: warning: not running as PID 1 (pid %d)\n", (int)getpid());

	for (;;)
		pause();
}
