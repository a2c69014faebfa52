# The per-session worker job, exactly as the gateway submits it
# (SCHEDULER=nomad, INSTANCE_DRIVER=docker, INSTANCE_SECRETS=nomad, Nomad
# 1.8 or later). It is a reference, not something to run by hand: the
# gateway builds this job in Go (internal/nomad/job.go) for every session it
# starts, and TestReferenceJobMatchesScheduler fails when the two differ.
#
# The secrets never appear here: the templates render them from the Nomad
# variable "nomad/jobs" (kept in sync by the gateway) into the task's
# secrets directory. On Nomad 1.6 and 1.7 the gateway sends
# stop_after_client_disconnect = "30s" instead of the disconnect block.

variable "session_id" {
  type    = string
  default = "SESSION_ID"
}

variable "tenant_id" {
  type    = string
  default = "TENANT_ID"
}

variable "image" {
  type    = string
  default = "ghcr.io/whatsapp-saas/instance:latest"
}

job "whatsapp-instance" {
  id          = "wa-${var.session_id}-${var.tenant_id}"
  name        = "wa-${var.session_id}-${var.tenant_id}"
  type        = "service"
  namespace   = "whatsapp"
  region      = "global"
  priority    = 50
  datacenters = ["dc1"]
  node_pool   = "whatsapp"

  meta {
    session_id = var.session_id
    tenant_id  = var.tenant_id
    managed_by = "whatsapp-gateway"
  }

  ui {
    description = "WhatsApp session `${var.session_id}` of tenant `${var.tenant_id}`, managed by the gateway: start and stop it through the API, not here."
  }

  group "worker" {
    # One copy of a session, ever.
    count = 1

    network {
      port "http" {
        to = 8080
      }
    }

    # Received media is kept in the allocation's data directory; a sticky,
    # migrated disk follows the session when Nomad moves it.
    ephemeral_disk {
      sticky  = true
      migrate = true
      size    = 1024
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "5s"
      mode     = "fail"
    }

    reschedule {
      delay          = "15s"
      delay_function = "exponential"
      max_delay      = "5m"
      unlimited      = true
    }

    # No canary: two copies of a session would fight over its connection.
    update {
      max_parallel      = 1
      canary            = 0
      health_check      = "checks"
      min_healthy_time  = "10s"
      healthy_deadline  = "3m"
      progress_deadline = "10m"
      auto_revert       = false
      auto_promote      = false
    }

    migrate {
      max_parallel     = 1
      health_check     = "checks"
      min_healthy_time = "10s"
      healthy_deadline = "3m"
    }

    # A client cut off from the servers stops its copy after 30 s, before
    # the replacement connects (the Consul session lock backs this up).
    disconnect {
      stop_on_client_after = "30s"
      replace              = true
    }

    spread {
      attribute = "${node.unique.id}"
      weight    = 100
    }

    meta {
      session_id = var.session_id
    }

    service {
      name     = "wa-worker"
      provider = "consul"
      port     = "http"
      tags     = ["session-${var.session_id}", "tenant-${var.tenant_id}"]

      meta {
        session_id = var.session_id
        tenant_id  = var.tenant_id
      }

      check {
        name     = "instance-health"
        type     = "http"
        path     = "/health"
        interval = "5s"
        timeout  = "2s"
      }
    }

    task "instance" {
      driver = "docker"

      # Hardened: read-only image (media and secrets live in the
      # allocation's mounted directories), no capability, no privilege
      # gained through setuid binaries, bounded processes. The memory
      # limit is the resources block; logs are rotated by the logs block.
      config {
        image           = var.image
        ports           = ["http"]
        readonly_rootfs = true
        cap_drop        = ["all"]
        security_opt    = ["no-new-privileges"]
        pids_limit      = 512
      }

      env {
        SESSION_ID           = var.session_id
        USER_ID              = var.tenant_id
        PORT                 = "${NOMAD_PORT_http}"
        INTERNAL_SECRET_FILE = "${NOMAD_SECRETS_DIR}/internal_secret"
        SHUTDOWN_TIMEOUT     = "20s"
        LOG_FORMAT           = "json"
        MEDIA_STORAGE_PATH   = "${NOMAD_ALLOC_DIR}/data/media"
        CONSUL_HTTP_ADDR     = "http://${attr.unique.network.ip-address}:8500"
      }

      # Connection URLs, the WhatsApp proxy and the lock's Consul token as
      # environment: a change restarts the task.
      template {
        data        = <<-EOT
          {{ with nomadVar "nomad/jobs" }}
          DATABASE_URL={{ .database_url | toJSON }}
          REDIS_URL={{ .redis_url | toJSON }}
          WHATSAPP_PROXY={{ .whatsapp_proxy | toJSON }}
          CONSUL_HTTP_TOKEN={{ .consul_token | toJSON }}
          {{ end }}
          EOT
        destination = "secrets/instance.env"
        env         = true
        change_mode = "restart"
        perms       = "0400"
        uid         = 65532 # the image's user (Dockerfile.instance)
        gid         = 65532
      }

      # The internal secret as a file the worker re-reads per request: a
      # rotation needs no restart.
      template {
        data        = "{{ with nomadVar \"nomad/jobs\" }}{{ .internal_secret }}{{ end }}"
        destination = "secrets/internal_secret"
        change_mode = "noop"
        perms       = "0400"
        uid         = 65532
        gid         = 65532
      }

      resources {
        cpu    = 200
        memory = 256
      }

      kill_timeout = "30s"
      kill_signal  = "SIGTERM"

      logs {
        max_files     = 5
        max_file_size = 10
      }
    }
  }
}
