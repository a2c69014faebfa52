// Package startup is how the gateway's server binaries (gateway,
// instance) start: a context that ends on SIGINT or SIGTERM, and settings
// read from the environment over ./.env.
package startup

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// Main calls run with that context and lookup and exits with the code run
// answers. A .env that cannot be read exits 2, its error on stderr after
// the command's name.
func Main(name string, run func(ctx context.Context, lookup func(string) (string, bool)) int) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dotenv, err := config.ReadDotEnv(config.DotEnvFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	}
	os.Exit(run(ctx, config.WithDotEnv(os.LookupEnv, dotenv)))
}
