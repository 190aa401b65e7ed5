terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.28"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.7"
    }
  }
}

# One provider configuration per account, each in the home region; the modules reach the other regions
# through the aws 6.x `region` argument.
provider "aws" {
  region = var.home_region
  assume_role {
    role_arn = "arn:aws:iam::${var.security_account_id}:role/${var.deployment_role_name}"
  }
  default_tags {
    tags = { "cryptoguard:stack" = "landing-zone" }
  }
}

provider "aws" {
  alias  = "management"
  region = var.home_region
  assume_role {
    role_arn = "arn:aws:iam::${var.management_account_id}:role/${var.deployment_role_name}"
  }
}

provider "aws" {
  alias  = "log_archive"
  region = var.home_region
  assume_role {
    role_arn = "arn:aws:iam::${var.log_archive_account_id}:role/${var.deployment_role_name}"
  }
}

provider "aws" {
  alias  = "workloads"
  region = var.home_region
  assume_role {
    role_arn = "arn:aws:iam::${var.workload_account_id}:role/${var.deployment_role_name}"
  }
}
