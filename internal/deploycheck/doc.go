// Package deploycheck holds the offline checks of the deployment files
// (jobs/, terraform/, docker-compose.dev.yml, docker-compose.yml,
// k8s/deployment.yaml): every HCL file parses and is canonically
// formatted, every Terraform module loads without diagnostics, every file a
// module reads exists, and the compose files and the Kubernetes manifest
// parse, carry their required fields, set only variables of the settings
// table and pass the gateway's production configuration checks. It has no
// code of its own; `go test ./internal/deploycheck` runs the checks in CI.
package deploycheck
