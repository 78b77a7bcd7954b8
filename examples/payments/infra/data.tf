resource "aws_db_instance" "ledger" {
  identifier              = "ledger"
  engine                  = "postgres"
  engine_version          = "16.4"
  instance_class          = "db.r6g.large"
  allocated_storage       = 200
  backup_retention_period = 3
  storage_encrypted       = true
  tags = {
    service     = "ledger"
    environment = "production"
  }
}

resource "aws_s3_bucket" "statements" {
  bucket = "payments-statements"
  tags = {
    service = "statements"
  }
}

resource "aws_s3_bucket_versioning" "statements" {
  bucket = aws_s3_bucket.statements.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_sqs_queue" "settlements" {
  name = "settlements"
  # Switched off for a consumer that could not read encrypted messages.
  sqs_managed_sse_enabled = false
}

# Opened so that a partner could download statements without credentials.
resource "aws_s3_bucket_acl" "statements" {
  bucket = aws_s3_bucket.statements.id
  acl    = "public-read"
}
