# The gateway itself: several replicas behind any load balancer that reads
# Consul (service "whatsapp-gateway"), rolled one at a time and only when
# the new copy is healthy. Its secrets come from Vault through a template;
# the job carries none. terraform/deploy submits it with these variables.

variable "image" {
  type    = string
  default = "ghcr.io/whatsapp-saas/gateway:latest"
}

variable "instance_image" {
  type    = string
  default = "ghcr.io/whatsapp-saas/instance:latest"
}

variable "replicas" {
  type    = number
  default = 3
}

variable "namespace" {
  type    = string
  default = "whatsapp"
}

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "public_url" {
  type    = string
  default = ""
}

variable "vault_addr" {
  type    = string
  default = "https://vault.service.consul:8200"
}

variable "vault_kv_path" {
  type    = string
  default = "whatsapp-gateway"
}

job "whatsapp-gateway" {
  namespace   = var.namespace
  type        = "service"
  datacenters = var.datacenters

  meta {
    managed_by = "terraform"
  }

  # Rolling update gated on health: one replica at a time, each must pass
  # its checks for 10 s before the next; a bad version rolls back.
  update {
    max_parallel      = 1
    health_check      = "checks"
    min_healthy_time  = "10s"
    healthy_deadline  = "2m"
    progress_deadline = "10m"
    auto_revert       = true
    canary            = 0
  }

  group "gateway" {
    count = var.replicas

    spread {
      attribute = "${node.unique.id}"
    }

    network {
      port "http" {
        to = 3000
      }
    }

    service {
      name     = "whatsapp-gateway"
      provider = "consul"
      port     = "http"
      tags     = ["http", "api"]

      check {
        name     = "ready"
        type     = "http"
        path     = "/health/ready"
        interval = "10s"
        timeout  = "2s"

        check_restart {
          limit = 3
          grace = "30s"
        }
      }
    }

    task "gateway" {
      driver = "docker"

      config {
        image = var.image
        ports = ["http"]
      }

      # Nomad logs in to Vault with the task's workload identity (role
      # whatsapp-gateway, terraform/deploy) and renews the token.
      vault {
        role        = "whatsapp-gateway"
        change_mode = "restart"
      }

      env {
        NODE_ENV         = "production"
        PORT             = "${NOMAD_PORT_http}"
        PUBLIC_URL       = var.public_url
        SCHEDULER        = "nomad"
        DISCOVERY        = "consul"
        SECRETS          = "vault"
        VAULT_ADDR       = var.vault_addr
        VAULT_KV_PATH    = var.vault_kv_path
        NOMAD_ADDR       = "http://${attr.unique.network.ip-address}:4646"
        NOMAD_NAMESPACE  = var.namespace
        CONSUL_HTTP_ADDR = "http://${attr.unique.network.ip-address}:8500"
        WHATSAPP_IMAGE   = var.instance_image
        WHATSAPP_ENGINE  = "whatsmeow"
        SHUTDOWN_TIMEOUT = "20s"
      }

      # Connection URLs and the gateway's Nomad token: secrets, so from
      # Vault, never in this file. A change restarts the task.
      template {
        data        = <<-EOT
          {{ with secret "secret/data/${var.vault_kv_path}" }}
          DATABASE_URL={{ .Data.data.database_url | toJSON }}
          REDIS_URL={{ .Data.data.redis_url | toJSON }}
          NOMAD_TOKEN={{ .Data.data.nomad_token | toJSON }}
          {{ end }}
          EOT
        destination = "secrets/gateway.env"
        env         = true
        change_mode = "restart"
        perms       = "0400"
      }

      resources {
        cpu    = 500
        memory = 512
      }

      kill_timeout = "30s"
    }
  }
}
