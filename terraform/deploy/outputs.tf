output "namespace" {
  description = "Nomad namespace of the gateway and its session jobs."
  value       = nomad_namespace.whatsapp.name
}

output "gateway_job_id" {
  description = "ID of the gateway's Nomad job."
  value       = nomad_job.gateway.id
}

output "gateway_token_accessor" {
  description = "Accessor of the gateway's Nomad ACL token (the secret is in Vault only)."
  value       = nomad_acl_token.gateway.accessor_id
}
