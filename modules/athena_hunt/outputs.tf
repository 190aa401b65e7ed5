output "workgroup" {
  description = "The Athena workgroup (hunt --workgroup)."
  value       = aws_athena_workgroup.this.name
}

output "database" {
  description = "The Glue database (hunt --database)."
  value       = aws_glue_catalog_database.this.name
}

output "table" {
  description = "The CloudTrail table (hunt --table)."
  value       = aws_glue_catalog_table.cloudtrail.name
}

output "results_bucket" {
  description = "Where query results and hunt's UNLOADs go (encrypted, expired after results_retention_days)."
  value       = aws_s3_bucket.results.id
}

output "kms_key_arn" {
  description = "The key that encrypts the results."
  value       = local.kms_key_arn
}

output "named_queries" {
  description = "The saved queries, by name: id of each in the workgroup."
  value       = { for k, q in aws_athena_named_query.this : k => q.id }
}

output "hunt_command" {
  description = "The command that hunts through this table."
  value       = "cryptoguard hunt --engine athena --workgroup ${aws_athena_workgroup.this.name} --database ${aws_glue_catalog_database.this.name} --table ${aws_glue_catalog_table.cloudtrail.name} --since YYYY-MM-DD --until YYYY-MM-DD"
}

output "hunter_policy_json" {
  description = "An IAM policy for the people and pipelines that hunt: the workgroup, the table, the trail, the results and the keys."
  value       = data.aws_iam_policy_document.hunter.json
}
