# terraform test: the role EventBridge assumes to forward to another bus, with a mocked provider.

mock_provider "aws" {}

variables {
  name           = "cryptoguard-region-watch-forward"
  target_bus_arn = "arn:aws:events:ap-northeast-1:222222222222:event-bus/cryptoguard-central"
}

run "eventbridge_may_put_events_on_the_target_bus_only" {
  command = plan

  assert {
    condition     = one(data.aws_iam_policy_document.put_events.statement).resources == toset([var.target_bus_arn])
    error_message = "PutEvents on the target bus, nothing else"
  }
  assert {
    condition     = one(one(data.aws_iam_policy_document.assume.statement).principals).identifiers == toset(["events.amazonaws.com"])
    error_message = "only EventBridge assumes the role"
  }
  assert {
    condition     = aws_iam_role.this.name == var.name
    error_message = "the role is named as asked"
  }
}

run "target_must_be_an_event_bus_arn" {
  command = plan
  variables {
    target_bus_arn = "arn:aws:sns:ap-northeast-1:222222222222:alerts"
  }
  expect_failures = [var.target_bus_arn]
}
