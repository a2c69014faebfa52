variable "namespace" {
  description = "Nomad namespace of the gateway and of every session job."
  type        = string
  default     = "whatsapp"
}

variable "datacenters" {
  description = "Datacenters the gateway and the session workers run in."
  type        = list(string)
  default     = ["dc1"]
}

variable "gateway_image" {
  description = "Container image of the gateway."
  type        = string
}

variable "instance_image" {
  description = "Container image of the per-session worker (cmd/instance)."
  type        = string
}

variable "gateway_replicas" {
  description = "How many gateways run."
  type        = number
  default     = 3
}

variable "public_url" {
  description = "Public base URL of the gateway."
  type        = string
  default     = ""
}

variable "vault_addr" {
  description = "Vault address as the gateway reaches it."
  type        = string
}

variable "vault_kv_mount" {
  description = "KV v2 mount of the gateway's secrets."
  type        = string
  default     = "secret"
}

variable "vault_kv_path" {
  description = "Path of the gateway's secrets in the mount."
  type        = string
  default     = "whatsapp-gateway"
}

variable "nomad_jwt_auth_path" {
  description = "Vault JWT auth mount that trusts Nomad workload identities (nomad setup vault creates jwt-nomad)."
  type        = string
  default     = "jwt-nomad"
}

variable "database_url" {
  description = "PostgreSQL URL of the gateway and the workers."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "redis_url" {
  description = "Redis URL of the gateway and the workers."
  type        = string
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Bump to write the Vault secret again (rotates the generated signing keys; the previous JWT key stays accepted for the token lifetime)."
  type        = number
  default     = 1
}
