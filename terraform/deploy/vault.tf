# The gateway reads its secrets and nothing else.
resource "vault_policy" "gateway" {
  name   = "whatsapp-gateway"
  policy = <<-EOT
    path "${var.vault_kv_mount}/data/${var.vault_kv_path}" {
      capabilities = ["read"]
    }

    path "${var.vault_kv_mount}/metadata/${var.vault_kv_path}" {
      capabilities = ["read"]
    }
  EOT
}

# The gateway job logs in with its Nomad workload identity.
resource "vault_jwt_auth_backend_role" "gateway" {
  backend                 = var.nomad_jwt_auth_path
  role_name               = "whatsapp-gateway"
  role_type               = "jwt"
  bound_audiences         = ["vault.io"]
  bound_claims_type       = "string"
  user_claim              = "/nomad_job_id"
  user_claim_json_pointer = true
  token_type              = "service"
  token_period            = 1800
  token_policies          = [vault_policy.gateway.name]

  bound_claims = {
    nomad_namespace = var.namespace
    nomad_job_id    = "whatsapp-gateway"
  }

  claim_mappings = {
    nomad_namespace = "nomad_namespace"
    nomad_job_id    = "nomad_job_id"
    nomad_task      = "nomad_task"
  }
}

# Generated keys never reach the Terraform state: ephemeral values written
# through a write-only argument. Bump secrets_version to rotate.
ephemeral "random_password" "jwt" {
  length  = 64
  special = false
}

ephemeral "random_password" "webhook" {
  length  = 48
  special = false
}

ephemeral "random_password" "internal" {
  length  = 48
  special = false
}

resource "vault_kv_secret_v2" "gateway" {
  mount = var.vault_kv_mount
  name  = var.vault_kv_path
  data_json_wo = jsonencode({
    jwt_secret      = ephemeral.random_password.jwt.result
    webhook_secret  = ephemeral.random_password.webhook.result
    internal_secret = ephemeral.random_password.internal.result
    database_url    = var.database_url
    redis_url       = var.redis_url
    nomad_token     = nomad_acl_token.gateway.secret_id
  })
  data_json_wo_version = var.secrets_version
}
