// Package deploy installs minikubelet on a host as a systemd service: the binary, the pause
// program, the unit shipped beside this file (minikubelet.service), a default config file and
// the directories the agent uses; and uninstalls them, keeping the pods' data unless asked.
package deploy
