# terraform test: one packaged cryptoguard function, with mocked providers.

mock_provider "aws" {}
mock_provider "archive" {}

variables {
  name        = "cryptoguard-detect"
  description = "test"
  handler     = "cryptoguard.handlers.detect.handler"
  policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
}

run "the_package_is_built_at_apply_and_the_function_runs_it" {
  command = plan

  assert {
    condition     = archive_file.package.type == "zip" && endswith(archive_file.package.source_dir, "lambda_src")
    error_message = "the package is a zip of lambda_src, made by a resource (at apply), not a data source (at plan)"
  }
  assert {
    condition     = contains(archive_file.package.excludes, "cryptoguard/drill/**")
    error_message = "the workstation-only drill stays out of the package"
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.handler == var.handler
    error_message = "Python 3.13 and the given handler"
  }
  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == null
    error_message = "no reserved concurrency by default: new accounts have a quota of 10"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/cryptoguard-detect"
    error_message = "the function logs to its own group"
  }
}

run "handler_must_be_a_cryptoguard_handler" {
  command = plan
  variables {
    handler = "index.handler"
  }
  expect_failures = [var.handler]
}
