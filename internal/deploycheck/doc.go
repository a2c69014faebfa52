// Package deploycheck holds the offline checks of the deployment files
// (jobs/, terraform/, docker-compose.dev.yml): every HCL file parses and is
// canonically formatted, every Terraform module loads without
// diagnostics, and every file a module reads exists. It has no code of its
// own; `go test ./internal/deploycheck` runs the checks in CI.
package deploycheck
