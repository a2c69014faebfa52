# The namespace the gateway submits session jobs into: Docker only, so the
# gateway's submit-job right cannot start anything else.
resource "nomad_namespace" "whatsapp" {
  name        = var.namespace
  description = "WhatsApp gateway and its per-session workers."

  capabilities {
    enabled_task_drivers = ["docker"]
  }
}

# What the gateway's token may do: manage jobs in its namespace, keep the
# workers' secrets variable in sync, and read the agent version (feature
# detection between Nomad 1.6 and current releases).
resource "nomad_acl_policy" "gateway" {
  name        = "whatsapp-gateway"
  description = "The WhatsApp gateway: one job per session."
  rules_hcl   = <<-EOT
    namespace "${var.namespace}" {
      capabilities = ["submit-job", "read-job", "list-jobs", "parse-job"]

      variables {
        path "nomad/jobs" {
          capabilities = ["read", "write"]
        }
      }
    }

    agent {
      policy = "read"
    }
  EOT
}

resource "nomad_acl_token" "gateway" {
  name     = "whatsapp-gateway"
  type     = "client"
  policies = [nomad_acl_policy.gateway.name]
}

resource "nomad_job" "gateway" {
  jobspec = file("${path.module}/../../jobs/gateway.nomad.hcl")

  hcl2 {
    vars = {
      image          = var.gateway_image
      instance_image = var.instance_image
      replicas       = tostring(var.gateway_replicas)
      namespace      = nomad_namespace.whatsapp.name
      datacenters    = jsonencode(var.datacenters)
      public_url     = var.public_url
      vault_addr     = var.vault_addr
      vault_kv_path  = var.vault_kv_path
    }
  }

  # The gateway reads these at start.
  depends_on = [vault_kv_secret_v2.gateway, vault_jwt_auth_backend_role.gateway]
}
