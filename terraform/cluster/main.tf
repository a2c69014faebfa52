# A small Nomad + Consul + Vault cluster on plain VMs configured by
# cloud-init: servers run the three servers (Vault with integrated
# storage), clients run the Nomad and Consul clients and Docker.
locals {
  retry_join = "provider=aws tag_key=ClusterJoin tag_value=${var.name}"

  server_user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    role           = "server"
    server_count   = var.server_count
    retry_join     = local.retry_join
    nomad_version  = var.nomad_version
    consul_version = var.consul_version
    vault_version  = var.vault_version
    nomad_config = templatefile("${path.module}/templates/nomad-server.hcl.tftpl", {
      server_count = var.server_count
      retry_join   = local.retry_join
    })
    consul_config = templatefile("${path.module}/templates/consul.hcl.tftpl", {
      server       = true
      server_count = var.server_count
      retry_join   = local.retry_join
    })
    vault_config = templatefile("${path.module}/templates/vault.hcl.tftpl", {
      retry_join = local.retry_join
    })
  })

  client_user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    role           = "client"
    server_count   = var.server_count
    retry_join     = local.retry_join
    nomad_version  = var.nomad_version
    consul_version = var.consul_version
    vault_version  = var.vault_version
    nomad_config = templatefile("${path.module}/templates/nomad-client.hcl.tftpl", {
      retry_join = local.retry_join
    })
    consul_config = templatefile("${path.module}/templates/consul.hcl.tftpl", {
      server       = false
      server_count = var.server_count
      retry_join   = local.retry_join
    })
    vault_config = ""
  })
}

resource "aws_instance" "server" {
  count                  = var.server_count
  ami                    = var.ami_id
  instance_type          = var.server_instance_type
  key_name               = var.ssh_key_name
  subnet_id              = aws_subnet.public[count.index % 3].id
  vpc_security_group_ids = [aws_security_group.cluster.id]
  iam_instance_profile   = aws_iam_instance_profile.node.name
  user_data              = local.server_user_data

  root_block_device {
    volume_size = 30
    encrypted   = true
  }

  tags = {
    Name        = "${var.name}-server-${count.index}"
    ClusterJoin = var.name
    Role        = "server"
  }
}

resource "aws_instance" "client" {
  count                  = var.client_count
  ami                    = var.ami_id
  instance_type          = var.client_instance_type
  key_name               = var.ssh_key_name
  subnet_id              = aws_subnet.public[count.index % 3].id
  vpc_security_group_ids = [aws_security_group.cluster.id]
  iam_instance_profile   = aws_iam_instance_profile.node.name
  user_data              = local.client_user_data

  root_block_device {
    volume_size = 50
    encrypted   = true
  }

  tags = {
    Name        = "${var.name}-client-${count.index}"
    ClusterJoin = var.name
    Role        = "client"
  }
}
