package main

import (
	"github.com/spf13/pflag"

	"github.com/minikubelet/minikubelet/cli"
)

// clientFlags adds the flags that say where the agent is to a CLI command and returns the client
// they describe, to call after parsing.
func clientFlags(fs *pflag.FlagSet) func() *cli.Client {
	socket := fs.String("socket", cli.DefaultSocket, "the agent's unix socket (the whole API; root only)")
	server := fs.String("server", "", "use the agent's read-only TCP API at this URL instead (e.g. http://127.0.0.1:10255; pods only)")
	return func() *cli.Client { return &cli.Client{Socket: *socket, BaseURL: *server} }
}
