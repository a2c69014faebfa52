package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/whatsapp-saas/gateway/internal/config"
)

// healthcheck asks the gateway on this machine whether it is ready
// (GET /health/ready on PORT; --live: /health/live) and exits 0 when it
// answers 200. The image is distroless, with no shell or curl, so a
// docker compose healthcheck runs this instead.
func healthcheck(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	path := "/health/ready"
	for _, a := range args {
		switch a {
		case "--live":
			path = "/health/live"
		default:
			fmt.Fprintf(stderr, "gateway healthcheck: unknown flag %q (want --live or nothing)\n", a)
			return 2
		}
	}
	var port string
	for _, s := range config.Docs() { // the default lives in the settings table
		if s.Name == "PORT" {
			port = s.Default
		}
	}
	if v, ok := lookup("PORT"); ok && strings.TrimSpace(v) != "" {
		port = strings.TrimSpace(v)
	}
	if _, err := strconv.Atoi(port); err != nil {
		fmt.Fprintf(stderr, "gateway healthcheck: PORT %q is not a number\n", port)
		return 2
	}
	scheme := "http"
	client := &http.Client{Timeout: 5 * time.Second}
	if v, _ := lookup("ENABLE_HTTPS"); v != "" {
		if on, err := config.ParseBool(v); err == nil && on {
			scheme = "https"
			// The gateway's own certificate names its public host, not
			// 127.0.0.1; this request never leaves the machine.
			client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec
		}
	}
	url := scheme + "://" + net.JoinHostPort("127.0.0.1", port) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "gateway healthcheck: %v\n", err)
		return 1
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "gateway healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "gateway healthcheck: %s answered %d: %s\n", path, resp.StatusCode, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d\n", path, resp.StatusCode)
	return 0
}
