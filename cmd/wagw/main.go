// Command wagw is the gateway's command-line client: log in, manage
// sessions, pair in the terminal, send, read messages, webhooks and their
// deliveries, tail the live event stream, manage API keys. Run
// `wagw help` for the commands; the logic lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/whatsapp-saas/gateway/internal/cli"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli.Run(ctx, cli.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Version: version}))
}
