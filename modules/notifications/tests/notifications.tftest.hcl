# terraform test: the alert topic, its key and subscriptions, with a mocked provider.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "222222222222" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { region = "ap-northeast-1" }
  }
}

variables {
  name            = "cryptoguard-alerts"
  email_addresses = ["secops@example.com", "oncall@example.com"]
}

run "the_topic_is_encrypted_with_a_key_its_publishers_may_use" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_sns_topic.this.name == "cryptoguard-alerts"
    error_message = "a rotating customer managed key and the named topic"
  }
  assert {
    condition = alltrue([
      for p in ["events.amazonaws.com", "budgets.amazonaws.com", "costalerts.amazonaws.com", "cloudwatch.amazonaws.com"] :
      contains(var.publisher_service_principals, p)
    ])
    error_message = "EventBridge, Budgets, Cost Anomaly Detection and CloudWatch alarms publish to the topic"
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.topic.statement : s.resources == toset(["arn:aws:sns:ap-northeast-1:222222222222:cryptoguard-alerts"]) if startswith(s.sid, "Publish")])
    error_message = "publishers may publish to this topic only"
  }
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.topic.statement : length(s.condition) == 1 if startswith(s.sid, "Publish")
    ]) && length([for s in data.aws_iam_policy_document.topic.statement : s if startswith(s.sid, "Publish")]) == 4
    error_message = "one statement per publishing service, each bound to its source"
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.topic.statement : anytrue([
        for c in s.condition : c.variable == "aws:SourceArn" && c.values == tolist(["arn:aws:events:*:222222222222:rule/*"])
      ]) if s.sid == "PublishEvents"
    ])
    error_message = "EventBridge may publish only from this account's rules"
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.topic.statement : anytrue([
        for c in s.condition : c.variable == "aws:SourceAccount" && c.values == tolist(["222222222222"])
      ]) if s.sid == "PublishBudgets"
    ])
    error_message = "Budgets may publish only for this account"
  }
  assert {
    condition = anytrue([
      for s in data.aws_iam_policy_document.key.statement : anytrue([
        for c in s.condition : c.variable == "kms:EncryptionContext:aws:sns:topicArn" && c.values == tolist(["arn:aws:sns:ap-northeast-1:222222222222:cryptoguard-alerts"])
      ]) if s.sid == "AlertPublishersUseKey"
    ])
    error_message = "publishers use the key for this topic only"
  }
  assert {
    condition     = toset(keys(aws_sns_topic_subscription.email)) == toset(var.email_addresses)
    error_message = "one email subscription per address"
  }
  assert {
    condition     = alltrue([for s in aws_sns_topic_subscription.email : jsondecode(s.filter_policy) == { canary = [{ exists = false }] }])
    error_message = "the canary's alerts reach no inbox"
  }
  assert {
    condition     = length(aws_chatbot_slack_channel_configuration.this) == 0
    error_message = "no Slack without a workspace"
  }
}

run "slack_through_chatbot_with_read_only_guardrails" {
  command = plan

  variables {
    slack = { workspace_id = "T0123", channel_id = "C0456" }
  }

  assert {
    condition     = aws_chatbot_slack_channel_configuration.this[0].slack_channel_id == "C0456"
    error_message = "the channel is configured"
  }
  assert {
    condition     = aws_chatbot_slack_channel_configuration.this[0].guardrail_policy_arns == tolist(["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    error_message = "chat users can read, never change, through the bot"
  }
}

run "name_must_be_a_topic_name" {
  command = plan
  variables {
    name = "alerts with spaces"
  }
  expect_failures = [var.name]
}

run "email_addresses_must_be_addresses" {
  command = plan
  variables {
    email_addresses = ["secops"]
  }
  expect_failures = [var.email_addresses]
}

run "https_endpoints_must_use_https" {
  command = plan
  variables {
    https_endpoints = ["http://hooks.example.com/alerts"]
  }
  expect_failures = [var.https_endpoints]
}

run "key_deletion_window_is_7_to_30_days" {
  command = plan
  variables {
    kms_key_deletion_window_in_days = 3
  }
  expect_failures = [var.kms_key_deletion_window_in_days]
}
