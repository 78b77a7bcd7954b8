resource "aws_security_group" "ledger_db" {
  name = "ledger-db"
  tags = {
    service = "ledger"
  }
  ingress {
    description = "temporary: analysts' laptops"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_lb" "api" {
  name               = "payments-api"
  load_balancer_type = "application"
  subnets            = var.public_subnets
  tags = {
    service = "payments-api"
  }
}

resource "aws_cloudtrail" "payments" {
  name                  = "payments"
  s3_bucket_name        = "payments-trail"
  is_multi_region_trail = true
  tags = {
    service = "audit"
  }
}

resource "aws_iam_role_policy" "deployer" {
  name = "deployer"
  role = "payments-deployer"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

variable "public_subnets" {
  type = list(string)
}

# A jump host for the analysts, reached through Session Manager.
resource "aws_instance" "analyst_bastion" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t4g.micro"
  subnet_id     = var.private_subnets[0]
  root_block_device {
    encrypted = true
  }
  tags = {
    service = "analytics"
  }
}
