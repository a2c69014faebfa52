# Workers speak HTTP.
resource "consul_config_entry" "worker_defaults" {
  kind = "service-defaults"
  name = "wa-worker"

  config_json = jsonencode({
    Protocol = "http"
  })
}

# Only gateways may call the workers (enforced by Consul service mesh when
# the jobs use Connect; documented intent otherwise).
resource "consul_config_entry" "worker_intentions" {
  kind = "service-intentions"
  name = "wa-worker"

  config_json = jsonencode({
    Sources = [
      {
        Name   = "whatsapp-gateway"
        Action = "allow"
      },
      {
        Name   = "*"
        Action = "deny"
      },
    ]
  })

  depends_on = [consul_config_entry.worker_defaults]
}
