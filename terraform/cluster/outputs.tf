output "nomad_addr" {
  description = "NOMAD_ADDR of the first server."
  value       = "http://${aws_instance.server[0].public_ip}:4646"
}

output "consul_addr" {
  description = "CONSUL_HTTP_ADDR of the first server."
  value       = "http://${aws_instance.server[0].public_ip}:8500"
}

output "vault_addr" {
  description = "VAULT_ADDR of the first server (initialise and unseal it once: docs/cluster.md)."
  value       = "http://${aws_instance.server[0].public_ip}:8200"
}

output "server_ips" {
  description = "Public addresses of the servers."
  value       = aws_instance.server[*].public_ip
}

output "client_ips" {
  description = "Public addresses of the clients."
  value       = aws_instance.client[*].public_ip
}
