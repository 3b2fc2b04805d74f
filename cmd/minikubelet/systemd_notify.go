package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// systemdNotifier speaks systemd's notify protocol (sd_notify) when NOTIFY_SOCKET is set, and does
// nothing otherwise.
type systemdNotifier struct {
	log *slog.Logger
}

func (n systemdNotifier) send(state string) {
	sent, err := daemon.SdNotify(false, state)
	switch {
	case err != nil:
		n.log.Warn("tell systemd", "state", state, "err", err)
	case sent:
		n.log.Debug("told systemd", "state", state)
	}
}

// stopping tells systemd the agent is shutting down (the pods stay, unless draining).
func (n systemdNotifier) stopping() { n.send(daemon.SdNotifyStopping) }

// run sends READY=1 once ready returns, then WATCHDOG=1 at half the unit's WatchdogSec while
// healthy says so, until ctx ends. An unhealthy agent stops pinging and systemd restarts it.
func (n systemdNotifier) run(ctx context.Context, ready func(context.Context) error, healthy func(context.Context) error) error {
	if err := ready(ctx); err != nil {
		return nil // ctx ended first
	}
	n.send(daemon.SdNotifyReady)
	n.log.Info("ready: existing pods adopted, manifests applied")
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		n.log.Warn("systemd watchdog settings unreadable; not pinging", "err", err)
		return nil
	}
	if interval <= 0 {
		return nil
	}
	ticker := time.NewTicker(interval / 2)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		check, cancel := context.WithTimeout(ctx, interval/2)
		err := healthy(check)
		cancel()
		if err != nil {
			n.log.Warn("unhealthy; not pinging systemd's watchdog", "err", err)
			continue
		}
		n.send(daemon.SdNotifyWatchdog)
	}
}
