variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-central-1"
}

variable "name" {
  description = "Prefix of every resource, and the cloud auto-join tag value."
  type        = string
  default     = "whatsapp"
}

variable "vpc_cidr" {
  description = "CIDR of the cluster's VPC."
  type        = string
  default     = "10.42.0.0/16"
}

variable "allowed_cidrs" {
  description = "Addresses allowed to reach SSH and the Nomad, Consul and Vault APIs."
  type        = list(string)
}

variable "ssh_key_name" {
  description = "Existing EC2 key pair for SSH."
  type        = string
}

variable "ami_id" {
  description = "Ubuntu 24.04 (or Debian 12) AMI; HashiCorp's apt repository is added by cloud-init."
  type        = string
}

variable "server_count" {
  description = "Nomad, Consul and Vault servers (3 or 5)."
  type        = number
  default     = 3
}

variable "client_count" {
  description = "Nomad clients that run the gateway and the session workers."
  type        = number
  default     = 3
}

variable "server_instance_type" {
  description = "EC2 type of the servers."
  type        = string
  default     = "t3.small"
}

variable "client_instance_type" {
  description = "EC2 type of the clients (about 60 MB per session worker)."
  type        = string
  default     = "t3.large"
}

variable "nomad_version" {
  description = "Nomad package version (1.6 or later)."
  type        = string
  default     = "1.10.5"
}

variable "consul_version" {
  description = "Consul package version."
  type        = string
  default     = "1.21.4"
}

variable "vault_version" {
  description = "Vault package version."
  type        = string
  default     = "1.20.3"
}
