resource "aws_eks_cluster" "payments" {
  name     = "payments"
  role_arn = aws_iam_role.cluster.arn
  version  = "1.31"

  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  # Public access was left on for the first deploys from laptops.
  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
  }

  tags = {
    service = "payments"
    owner   = "payments-team"
  }
}
