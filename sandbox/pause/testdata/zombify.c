// zombify execs its arguments with a zombie child: it forks a child that exits at once and waits
// for it with WNOWAIT, which leaves it unreaped. The pause tests use it to hand pause a zombie.
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
	siginfo_t info;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (argc < 2 || pid < 0 || waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0)
		return 1;
	execv(argv[1], argv + 1);
	return 1;
}
