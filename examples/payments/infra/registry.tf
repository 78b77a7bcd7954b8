resource "aws_ecr_repository" "payments_api" {
  name = "payments-api"
  image_scanning_configuration {
    scan_on_push = true
  }
  tags = {
    service = "payments-api"
  }
}
